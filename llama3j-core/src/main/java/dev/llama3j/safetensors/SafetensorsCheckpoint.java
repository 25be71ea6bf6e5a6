package dev.llama3j.safetensors;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}. Every file is memory-mapped into one arena, closed with the
 * checkpoint.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Arena arena;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsCheckpoint(Arena arena, List<SafetensorsFile> files, Map<String, SafetensorsTensor> tensors) {
        this.arena = arena;
        this.files = files;
        this.tensors = tensors;
    }

    /** Opens the checkpoint of a model folder, or a single {@code .safetensors} file. */
    public static SafetensorsCheckpoint open(Path dirOrFile) {
        Arena arena = Arena.ofShared();
        try {
            List<SafetensorsFile> files = new ArrayList<>();
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            if (Files.isRegularFile(dirOrFile)) {
                SafetensorsFile f = SafetensorsFile.open(dirOrFile, arena);
                files.add(f);
                tensors.putAll(f.tensors());
            } else if (Files.isRegularFile(dirOrFile.resolve(INDEX))) {
                openSharded(dirOrFile, arena, files, tensors);
            } else if (Files.isRegularFile(dirOrFile.resolve(SINGLE))) {
                SafetensorsFile f = SafetensorsFile.open(dirOrFile.resolve(SINGLE), arena);
                files.add(f);
                tensors.putAll(f.tensors());
            } else {
                throw new ModelFormatException(dirOrFile + ": no " + SINGLE + " or " + INDEX + " found");
            }
            return new SafetensorsCheckpoint(arena, files, Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void openSharded(Path dir, Arena arena, List<SafetensorsFile> files,
            Map<String, SafetensorsTensor> tensors) {
        Path index = dir.resolve(INDEX);
        Map<String, Object> weightMap;
        try {
            Map<String, Object> root = Json.asObject(Json.parseFile(index), index.toString());
            weightMap = Json.asObject(root.get("weight_map"), index + ": weight_map");
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
        Map<String, SafetensorsFile> byShard = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : weightMap.entrySet()) {
            String shard;
            try {
                shard = Json.asString(e.getValue(), index + ": weight_map['" + e.getKey() + "']");
            } catch (JsonException ex) {
                throw new ModelFormatException(ex.getMessage());
            }
            SafetensorsFile f = byShard.get(shard);
            if (f == null) {
                Path shardPath = dir.resolve(shard);
                if (!Files.isRegularFile(shardPath)) {
                    throw new ModelFormatException(shardPath + ": shard missing (named for tensor '" + e.getKey()
                            + "' by " + INDEX + ")");
                }
                f = SafetensorsFile.open(shardPath, arena);
                byShard.put(shard, f);
                files.add(f);
            }
            SafetensorsTensor t = f.tensors().get(e.getKey());
            if (t == null) {
                throw new ModelFormatException(f.path() + ": tensor '" + e.getKey() + "' is not in this shard, though "
                        + INDEX + " says it is");
            }
            tensors.put(e.getKey(), t);
        }
    }

    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    /** Total bytes of tensor data mapped. */
    public long mappedBytes() {
        long sum = 0;
        for (SafetensorsTensor t : tensors.values()) {
            sum += t.data().byteSize();
        }
        return sum;
    }

    @Override
    public void close() {
        arena.close();
    }
}
