package dev.llama3j.testing;

import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a safetensors file from raw tensor bytes, for tests that build or damage checkpoints. */
public final class SafetensorsWriter {
    /** A tensor as stored: safetensors dtype, shape and little-endian bytes. */
    public record Raw(String dtype, long[] shape, byte[] data) {}

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Raw> tensors) {
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
            Raw t = e.getValue();
            List<Object> shape = new ArrayList<>();
            for (long d : t.shape()) {
                shape.add(d);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype());
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + t.data().length));
            header.put(e.getKey(), info);
            offset += t.data().length;
        }
        byte[] h = Json.write(header, -1, false).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + pad + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length + pad).put(h);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        for (Raw t : tensors.values()) {
            out.put(t.data());
        }
        try {
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
