package dev.llama3j.mem;

import dev.llama3j.ModelFormatException;
import dev.llama3j.UnsupportedModelException;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model on disk as memory sees it: its shape (from {@code config.json} or GGUF metadata) and the
 * real bytes of its tensors, by storage type. The weight bytes are what gets memory-mapped.
 *
 * @param format "safetensors" or "gguf"
 * @param weightBytes bytes of all tensor data (what the engine maps)
 * @param bytesByType tensor bytes per storage type, e.g. {@code BF16 -> 16909440}
 * @param tensorsByType tensor count per storage type
 */
public record StoredModel(Path path, String format, ModelShape shape, long weightBytes,
        Map<String, Long> bytesByType, Map<String, Integer> tensorsByType) {

    /** Reads a Hugging Face model folder (or, once supported, a GGUF file) without loading its weights. */
    public static StoredModel read(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such model file or folder");
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            return readGguf(path);
        }
        if (!Files.isDirectory(path)) {
            throw new ModelFormatException(path + ": not a Hugging Face model folder (config.json + safetensors)"
                    + " or a .gguf file");
        }
        return readHuggingFace(path);
    }

    private static StoredModel readHuggingFace(Path dir) {
        LlamaConfig config = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
        Map<String, Long> bytes = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        long total = 0;
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            for (SafetensorsTensor t : checkpoint.tensors().values()) {
                long b = t.data().byteSize();
                bytes.merge(t.dtype(), b, Long::sum);
                counts.merge(t.dtype(), 1, Integer::sum);
                total += b;
            }
        }
        return new StoredModel(dir, "safetensors", ModelShape.of(config, name(dir)), total,
                Collections.unmodifiableMap(bytes), Collections.unmodifiableMap(counts));
    }

    /**
     * GGUF: to be read with {@code dev.llama3j.gguf.GgufFile} once it is on main: the shape from the
     * {@code llama.*} metadata and the bytes from each tensor's ggml type, like the safetensors case.
     */
    private static StoredModel readGguf(Path file) {
        throw new UnsupportedModelException(file + ": reading GGUF files is not supported by mem yet;"
                + " give a Hugging Face model folder or a preset (" + KnownModels.names() + ")");
    }

    private static String name(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        return f == null ? p.toString() : f.toString();
    }

    /** {@code 40 BF16 tensors} or {@code 200 Q4_K + 90 F32 + …}. */
    public String describeTypes() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Integer> e : tensorsByType.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(e.getValue()).append(' ').append(e.getKey());
        }
        return sb + (tensorsByType.size() == 1 && tensorsByType.values().iterator().next() == 1 ? " tensor" : " tensors");
    }
}
