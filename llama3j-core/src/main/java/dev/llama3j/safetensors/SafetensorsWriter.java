package dev.llama3j.safetensors;

import dev.llama3j.json.Json;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as a safetensors file (fp32 ones from arrays, any dtype streamed): an 8-byte little-endian header length, the JSON header
 * (tensors by name with {@code dtype}, {@code shape}, {@code data_offsets}, and {@code __metadata__}),
 * padded with spaces to a multiple of 8 bytes, then the data. Tensors are laid out in name order, as
 * {@code safetensors.torch.save_file} lays out tensors of one dtype. The file is written next to its
 * final name and moved into place, so a reader never sees half a file.
 */
public final class SafetensorsWriter {
    /** One fp32 tensor, row-major. */
    public record Tensor(String name, long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(name + ": " + values.length + " values for shape "
                        + java.util.Arrays.toString(shape));
            }
        }
    }

    private SafetensorsWriter() {}

    /**
     * A tensor whose bytes are produced while the file is written, so that a file of many gigabytes
     * never has to be in memory: {@code body} must write exactly {@code bytes} little-endian bytes.
     */
    public record Streamed(String name, String dtype, long[] shape, long bytes, Body body) {}

    /** Writes one tensor's bytes to the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code tensors} (and {@code metadata}, string to string) to {@code file}. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        List<Streamed> streamed = new ArrayList<>();
        for (Tensor t : tensors) {
            streamed.add(new Streamed(t.name(), "F32", t.shape(), 4L * t.values().length, out -> {
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
                out.write(buf.array(), 0, buf.position());
            }));
        }
        writeStreamed(file, streamed, metadata);
    }

    /** Writes {@code tensors} of any dtype, each body called once in name order, to {@code file}. */
    public static void writeStreamed(Path file, List<Streamed> tensors, Map<String, String> metadata) {
        List<Streamed> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Streamed::name));
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Streamed t : sorted) {
            List<Object> shape = new ArrayList<>();
            for (long d : t.shape()) {
                shape.add(d);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype());
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + t.bytes()));
            if (header.put(t.name(), info) != null) {
                throw new IllegalArgumentException("two tensors named '" + t.name() + "'");
            }
            offset += t.bytes();
        }
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (Streamed t : sorted) {
                CountingStream counted = new CountingStream(out);
                t.body().writeTo(counted);
                if (counted.count != t.bytes()) {
                    throw new IllegalStateException(t.name() + ": wrote " + counted.count + " bytes, declared " + t.bytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Counts what a tensor's body writes, to check it against the header. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
            // the file stays open for the next tensor
        }
    }
}
