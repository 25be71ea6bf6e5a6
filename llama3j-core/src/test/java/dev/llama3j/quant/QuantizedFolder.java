package dev.llama3j.quant;

import dev.llama3j.json.Json;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.testing.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A copy of one of the quantized chat fixtures, changed for a test: its {@code config.json} edited as a
 * map, its layer tensors (raw bytes) dropped, replaced or damaged. The embedding shard and tokenizer
 * files stay links to the fixture's.
 */
final class QuantizedFolder {
    static final String LAYERS = "model-00002-of-00002.safetensors";
    private static final String[] LINKED = {"model-00001-of-00002.safetensors", "tokenizer.json",
        "tokenizer_config.json", "generation_config.json"};

    private final Path source;
    private final Map<String, Object> config;
    private final Map<String, SafetensorsWriter.Raw> tensors = new TreeMap<>();

    private QuantizedFolder(Path source) {
        this.source = source;
        this.config = new LinkedHashMap<>(Json.asObject(Json.parseFile(source.resolve("config.json")), "config"));
        try (Arena arena = Arena.ofConfined()) {
            for (SafetensorsTensor t : SafetensorsFile.open(source.resolve(LAYERS), arena).tensors().values()) {
                tensors.put(t.name(), new SafetensorsWriter.Raw(t.dtype(), t.shape(), t.data().toArray(
                        ValueLayout.JAVA_BYTE)));
            }
        }
    }

    /** A new empty folder under {@code target/quantized-folders} for one test's folders. */
    static Path scratch() {
        try {
            Path base = Files.createDirectories(Path.of("target", "quantized-folders"));
            return Files.createTempDirectory(base, "t");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture {@code tiny-llama-3.1-chat-<format>}. */
    static QuantizedFolder of(String format) {
        return new QuantizedFolder(QuantizedCheckpointParityTest.folder(format));
    }

    @SuppressWarnings("unchecked")
    QuantizedFolder quantization(Consumer<Map<String, Object>> edit) {
        Map<String, Object> q = new LinkedHashMap<>((Map<String, Object>) config.get("quantization_config"));
        edit.accept(q);
        config.put("quantization_config", q);
        return this;
    }

    QuantizedFolder config(Consumer<Map<String, Object>> edit) {
        edit.accept(config);
        return this;
    }

    QuantizedFolder tensors(Consumer<Map<String, SafetensorsWriter.Raw>> edit) {
        edit.accept(tensors);
        return this;
    }

    /** The layer tensors of another fixture folder (e.g. the F32 twin). */
    static Map<String, SafetensorsWriter.Raw> tensorsOf(String format) {
        return of(format).tensors;
    }

    /** Writes the folder into {@code dir} (created); returns it. */
    Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), Json.write(config, 2, false), StandardCharsets.UTF_8);
            SafetensorsWriter.write(dir.resolve(LAYERS), tensors);
            Map<String, Object> weightMap = new LinkedHashMap<>();
            weightMap.put("model.embed_tokens.weight", LINKED[0]);
            for (String name : tensors.keySet()) {
                weightMap.put(name, LAYERS);
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"),
                    Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap), 2, false));
            for (String link : LINKED) {
                Files.createSymbolicLink(dir.resolve(link), source.resolve(link).toRealPath());
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
