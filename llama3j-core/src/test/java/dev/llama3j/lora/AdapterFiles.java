package dev.llama3j.lora;

import dev.llama3j.json.Json;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Copies of the fixture adapter, changed for a test: its {@code adapter_config.json} edited as a map,
 * its tensors dropped, added, reshaped or stored in another dtype.
 */
public final class AdapterFiles {
    /** A tensor to write: safetensors dtype, shape, and the values as fp32. */
    public record Tensor(String dtype, long[] shape, float[] values) {}

    private final Map<String, Object> config;
    private final Map<String, Tensor> tensors;

    private AdapterFiles(Map<String, Object> config, Map<String, Tensor> tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    /** The fixture adapter, read into memory. */
    public static AdapterFiles fixture() {
        Path dir = Fixtures.loraAdapter();
        Map<String, Object> config = new LinkedHashMap<>(
                Json.asObject(Json.parseFile(dir.resolve(LoraConfig.FILE)), "config"));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (SafetensorsTensor t : SafetensorsFile.open(dir.resolve(LoraAdapter.WEIGHTS_FILE), arena).tensors()
                    .values()) {
                int rows = (int) t.shape()[0];
                int cols = (int) t.shape()[1];
                float[] v = new float[rows * cols];
                WeightMatrix m = WeightMatrix.of(t.name(), t.type(), rows, cols, t.data());
                for (int r = 0; r < rows; r++) {
                    m.dequantizeRow(r, v, r * cols);
                }
                tensors.put(t.name(), new Tensor(t.dtype(), t.shape(), v));
            }
        }
        return new AdapterFiles(config, tensors);
    }

    public AdapterFiles config(Consumer<Map<String, Object>> edit) {
        edit.accept(config);
        return this;
    }

    public AdapterFiles tensors(Consumer<Map<String, Tensor>> edit) {
        edit.accept(tensors);
        return this;
    }

    /** Every tensor stored as {@code dtype} ("F16", "BF16", "F32"). */
    public AdapterFiles dtype(String dtype) {
        tensors.replaceAll((k, t) -> new Tensor(dtype, t.shape(), t.values()));
        return this;
    }

    /** Writes the adapter into a new folder {@code dir}; returns it. */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(LoraConfig.FILE), Json.write(config, 2, false), StandardCharsets.UTF_8);
            Map<String, Object> header = new LinkedHashMap<>();
            List<byte[]> blobs = new ArrayList<>();
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                byte[] data = Quantizer.quantize(type(t.dtype()), t.values());
                List<Object> shape = new ArrayList<>();
                for (long d : t.shape()) {
                    shape.add(d);
                }
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("dtype", t.dtype());
                info.put("shape", shape);
                info.put("data_offsets", List.of(offset, offset + data.length));
                header.put(e.getKey(), info);
                blobs.add(data);
                offset += data.length;
            }
            byte[] h = Json.write(header, -1, false).getBytes(StandardCharsets.UTF_8);
            int pad = (8 - h.length % 8) % 8;
            ByteBuffer out = ByteBuffer.allocate(8 + h.length + pad + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(h.length + pad).put(h);
            for (int i = 0; i < pad; i++) {
                out.put((byte) ' ');
            }
            for (byte[] b : blobs) {
                out.put(b);
            }
            Files.write(dir.resolve(LoraAdapter.WEIGHTS_FILE), out.array());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GgmlType type(String dtype) {
        return switch (dtype) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            default -> throw new IllegalArgumentException(dtype);
        };
    }

    /** The fixture's tensor name for a layer's module. */
    public static String name(int layer, String path, String ab) {
        return "base_model.model.model.layers." + layer + "." + path + ".lora_" + ab + ".weight";
    }
}
