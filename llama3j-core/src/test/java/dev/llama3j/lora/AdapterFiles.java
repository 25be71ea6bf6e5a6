package dev.llama3j.lora;

import dev.llama3j.json.Json;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    /** Every tensor stored as {@code dtype} ("F16", "BF16", "F32"; "I32" writes the fp32 bits as integers). */
    public AdapterFiles dtype(String dtype) {
        tensors.replaceAll((k, t) -> new Tensor(dtype, t.shape(), t.values()));
        return this;
    }

    /** Writes the adapter into a new folder {@code dir}; returns it. */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(LoraConfig.FILE), Json.write(config, 2, false), StandardCharsets.UTF_8);
            Map<String, SafetensorsWriter.Raw> raw = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                raw.put(e.getKey(), new SafetensorsWriter.Raw(t.dtype(), t.shape(),
                        Quantizer.quantize(type(t.dtype()), t.values())));
            }
            SafetensorsWriter.write(dir.resolve(LoraAdapter.WEIGHTS_FILE), raw);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GgmlType type(String dtype) {
        return switch (dtype) {
            case "F32", "I32" -> GgmlType.F32;
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
