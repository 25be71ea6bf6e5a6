package dev.llama3j.gguf;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF version 3 file the way llama.cpp's {@code gguf_write_to_file} and gguf-py do: header,
 * metadata, tensor infos, zero padding to the alignment, then each tensor's bytes padded to the
 * alignment, tensors in the order they were added, offsets consecutive.
 *
 * <p>Tensor bytes are not held here: each tensor comes with a {@link TensorData} callback that streams
 * its bytes when {@link #write} reaches it, so converting an 8B model needs one tensor (or one row) in
 * memory at a time. The file is written under a temporary name and renamed when complete, so a failed
 * write never leaves a file that looks whole.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put(GgufKeys.GENERAL_ARCHITECTURE, GgufValue.string("llama"))
 *     .addTensor("output_norm.weight", GgmlType.F32, new long[] {4096}, out -> out.writeFloats(norm, 0, 4096))
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    /** Streams one tensor's bytes: exactly {@code GgmlType.bytesFor(elements)} of them. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(TensorOutput out) throws IOException;
    }

    /** ggml's GGML_MAX_NAME: names must be shorter, in UTF-8 bytes, for llama.cpp to load the file. */
    public static final int MAX_NAME_BYTES = 64;
    public static final int VERSION = 3;

    private static final int BUFFER_BYTES = 1 << 20;

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private record Pending(String name, GgmlType type, long[] dims, long bytes, TensorData data) {}

    /** Sets {@code key} (replacing an earlier value, which keeps its place in the order). */
    public GgufWriter put(String key, GgufValue value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        if (key.equals(GgufKeys.GENERAL_ALIGNMENT)) {
            checkAlignment(value);
        }
        metadata.put(key, java.util.Objects.requireNonNull(value, "value of " + key));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValue.uint32(value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValue.int32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.float32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    /** Copies every key of {@code source}, in its order. */
    public GgufWriter putAll(GgufMetadata source) {
        for (Map.Entry<String, GgufValue> e : source.asMap().entrySet()) {
            put(e.getKey(), e.getValue());
        }
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Aligns tensor data to {@code bytes} (a power of two) and records it as {@code general.alignment}. */
    public GgufWriter alignment(int bytes) {
        return put(GgufKeys.GENERAL_ALIGNMENT, GgufValue.uint32(bytes));
    }

    /**
     * Adds a tensor of {@code type} with {@code dims} ({@code ne0}, the row length, first) whose bytes
     * {@code data} writes when the file is written.
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorData data) {
        checkName(name);
        type.requireGguf(name);
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dims.length
                    + " dimensions, expected 1 to " + GgufFile.MAX_DIMS);
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + dims[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        names.add(name);
        tensors.add(new Pending(name, type, dims.clone(), type.bytesFor(elements), data));
        return this;
    }

    /** Adds a tensor whose bytes are {@code bytes} (not copied: do not change them before {@link #write}). */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] bytes) {
        return addTensor(name, type, dims, MemorySegment.ofArray(bytes));
    }

    /** Adds a tensor whose bytes are {@code bytes}, read when the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, MemorySegment bytes) {
        addTensor(name, type, dims, out -> out.write(bytes));
        long expected = tensors.getLast().bytes;
        if (bytes.byteSize() != expected) {
            tensors.removeLast();
            names.remove(name);
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes.byteSize() + " bytes given, "
                    + type + " " + Arrays.toString(dims) + " takes " + expected);
        }
        return this;
    }

    /** Adds a copy of a tensor of another file (which must stay open until {@link #write}). */
    public GgufWriter addTensor(GgufTensor tensor) {
        return addTensor(tensor.name(), tensor.type(), tensor.dims(), tensor.data());
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len >= MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is " + len + " bytes; llama.cpp allows at most "
                    + (MAX_NAME_BYTES - 1));
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
    }

    private static void checkAlignment(GgufValue v) {
        if (v.type() != GgufValueType.UINT32) {
            throw new IllegalArgumentException(GgufKeys.GENERAL_ALIGNMENT + " must be UINT32, got " + v.describe());
        }
        long a = v.longValue();
        if (a == 0 || (a & (a - 1)) != 0 || a > (1 << 30)) {
            throw new IllegalArgumentException(GgufKeys.GENERAL_ALIGNMENT + " must be a power of two, got " + a);
        }
    }

    private int alignmentValue() {
        GgufValue v = metadata.get(GgufKeys.GENERAL_ALIGNMENT);
        return v == null ? GgufFile.DEFAULT_ALIGNMENT : (int) v.longValue();
    }

    /** Writes the file. Throws {@link Llama3jException} naming the file and tensor when writing fails. */
    public void write(Path path) {
        Path tmp = path.resolveSibling(path.getFileName() + ".partial");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch, path);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Llama3jException(path + ": cannot write the GGUF file: " + e, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the original failure is the one to report
        }
    }

    private void writeTo(FileChannel ch, Path path) throws IOException {
        int alignment = alignmentValue();
        TensorOutput out = new TensorOutput(ch);
        out.u32(GgufFile.MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id);
            writeValue(out, e.getValue());
        }
        long offset = 0;
        for (Pending t : tensors) {
            out.string(t.name);
            out.u32(t.dims.length);
            for (long d : t.dims) {
                out.u64(d);
            }
            out.u32(t.type.id);
            out.u64(offset);
            offset += GgufFile.alignUp(t.bytes, alignment);
        }
        out.pad(alignment);
        for (Pending t : tensors) {
            long start = out.position();
            t.data.writeTo(out);
            long written = out.position() - start;
            if (written != t.bytes) {
                throw new Llama3jException(path + ": tensor '" + t.name + "' (" + t.type + " " + Arrays.toString(t.dims)
                        + ") should be " + t.bytes + " bytes but its data wrote " + written);
            }
            out.pad(alignment);
        }
        out.flush();
    }

    private static void writeValue(TensorOutput out, GgufValue v) throws IOException {
        switch (v.type()) {
            case UINT8, INT8, BOOL -> out.u8((int) v.bits());
            case UINT16, INT16 -> out.u16((int) v.bits());
            case UINT32, INT32, FLOAT32 -> out.u32((int) v.bits());
            case UINT64, INT64, FLOAT64 -> out.u64(v.bits());
            case STRING -> out.string(v.stringValue());
            case ARRAY -> writeArray(out, v);
        }
    }

    private static void writeArray(TensorOutput out, GgufValue v) throws IOException {
        out.u32(v.elementType().id);
        out.u64(v.length());
        switch (v.arrayRef()) {
            case byte[] a -> out.write(a, 0, a.length);
            case short[] a -> {
                for (short x : a) {
                    out.u16(x);
                }
            }
            case int[] a -> {
                for (int x : a) {
                    out.u32(x);
                }
            }
            case long[] a -> {
                for (long x : a) {
                    out.u64(x);
                }
            }
            case float[] a -> {
                for (float x : a) {
                    out.u32(Float.floatToRawIntBits(x));
                }
            }
            case double[] a -> {
                for (double x : a) {
                    out.u64(Double.doubleToRawLongBits(x));
                }
            }
            case boolean[] a -> {
                for (boolean b : a) {
                    out.u8(b ? 1 : 0);
                }
            }
            case String[] a -> {
                for (String s : a) {
                    out.string(s);
                }
            }
            case GgufValue[] a -> {
                for (GgufValue inner : a) {
                    writeArray(out, inner);
                }
            }
            default -> throw new AssertionError(v.arrayRef().getClass());
        }
    }

    /**
     * Where a {@link TensorData} writes its bytes (buffered, little-endian). It also writes the header;
     * the writer checks that each tensor wrote exactly its size.
     */
    public static final class TensorOutput {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final MemorySegment bufSeg = MemorySegment.ofBuffer(buf);
        private long flushed;
        private byte[] scratch = new byte[0];

        private TensorOutput(FileChannel ch) {
            this.ch = ch;
        }

        /** Bytes written so far, header included. */
        public long position() {
            return flushed + buf.position();
        }

        public void write(byte[] b) throws IOException {
            write(b, 0, b.length);
        }

        public void write(byte[] b, int off, int len) throws IOException {
            write(MemorySegment.ofArray(b).asSlice(off, len));
        }

        public void write(ByteBuffer src) throws IOException {
            write(MemorySegment.ofBuffer(src));
            src.position(src.limit());
        }

        /** Copies the bytes of {@code src} as they are (tensor data is already little-endian). */
        public void write(MemorySegment src) throws IOException {
            long off = 0;
            long size = src.byteSize();
            while (off < size) {
                if (!buf.hasRemaining()) {
                    drain();
                }
                int n = (int) Math.min(buf.remaining(), size - off);
                MemorySegment.copy(src, off, bufSeg, buf.position(), n);
                buf.position(buf.position() + n);
                off += n;
            }
        }

        /** {@code values[off .. off+len)} as little-endian float32. */
        public void writeFloats(float[] values, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                if (buf.remaining() < 4) {
                    drain();
                }
                buf.putFloat(values[off + i]);
            }
        }

        /**
         * {@code values[off .. off+count)} converted to {@code type} by {@link Quantizer} (count a multiple of
         * the block size): a row or rows of a tensor.
         */
        public void writeQuantized(GgmlType type, float[] values, int off, int count) throws IOException {
            int bytes = Math.toIntExact(type.bytesFor(count));
            if (scratch.length < bytes) {
                scratch = new byte[bytes];
            }
            Quantizer.quantize(type, values, off, count, MemorySegment.ofArray(scratch), 0);
            write(scratch, 0, bytes);
        }

        void u8(int v) throws IOException {
            ensure(1);
            buf.put((byte) v);
        }

        void u16(int v) throws IOException {
            ensure(2);
            buf.putShort((short) v);
        }

        void u32(int v) throws IOException {
            ensure(4);
            buf.putInt(v);
        }

        void u64(long v) throws IOException {
            ensure(8);
            buf.putLong(v);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void pad(int alignment) throws IOException {
            long p = position();
            long n = GgufFile.alignUp(p, alignment) - p;
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        private void ensure(int n) throws IOException {
            if (buf.remaining() < n) {
                drain();
            }
        }

        private void drain() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                flushed += ch.write(buf);
            }
            buf.clear();
        }

        void flush() throws IOException {
            drain();
        }
    }
}
