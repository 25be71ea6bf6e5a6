package dev.llama3j.mem;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufMetadata;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.model.GgufModelSource;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.ModelFormat;
import dev.llama3j.model.ModelSources;
import dev.llama3j.model.QuantizedSource;
import dev.llama3j.quant.QuantizationConfig;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsTensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model on disk as memory sees it: its shape (from {@code config.json} or GGUF metadata) and the
 * real bytes of its tensors, by storage type. The weight bytes are what gets memory-mapped.
 *
 * @param format "safetensors", "gguf", or for a quantized folder "safetensors" and its method
 *     ({@code "safetensors, awq"})
 * @param weightBytes bytes of all tensor data (what the engine maps)
 * @param bytesByType tensor bytes per storage type, e.g. {@code BF16 -> 16909440}
 * @param tensorsByType tensor count per storage type
 */
public record StoredModel(Path path, String format, ModelShape shape, long weightBytes,
        Map<String, Long> bytesByType, Map<String, Integer> tensorsByType) {

    /**
     * Reads a Hugging Face model folder or a GGUF file without loading its weights; the format is the
     * one {@link ModelSources} decides, as for loading.
     */
    public static StoredModel read(Path path) {
        ModelFormat format = ModelSources.formatOf(path);
        if (format == GgufModelSource.FORMAT) {
            return readGguf(path);
        }
        // A quantized folder's bytes are its packed words, scales and FP8 bytes, as mapped.
        return readHuggingFace(path, format == QuantizedSource.FORMAT
                ? "safetensors, " + QuantizationConfig.read(path).method().label : "safetensors");
    }

    private static StoredModel readHuggingFace(Path dir, String label) {
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
        return new StoredModel(dir, label, ModelShape.of(config, name(dir)), total,
                Collections.unmodifiableMap(bytes), Collections.unmodifiableMap(counts));
    }

    /**
     * A GGUF file: the shape from its {@code llama.*} metadata (as llama.cpp reads it: KV heads default
     * to the query heads, head size to hidden / heads, the vocabulary to the embedding's rows; tied
     * when there is no {@code output.weight}) and the bytes of each tensor's ggml type.
     */
    private static StoredModel readGguf(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata md = gguf.metadata();
            String arch = md.getString(GgufKeys.GENERAL_ARCHITECTURE, "?");
            if (!GgufKeys.ARCHITECTURE_LLAMA.equals(arch)) {
                throw new UnsupportedModelException(file + ": architecture '" + arch
                        + "' is not supported; llama3j reads Llama models (general.architecture 'llama')");
            }
            int hidden = md.getInt(GgufKeys.LLAMA_EMBEDDING_LENGTH);
            int heads = md.getInt(GgufKeys.LLAMA_HEAD_COUNT);
            int vocab = md.has(GgufKeys.LLAMA_VOCAB_SIZE) ? md.getInt(GgufKeys.LLAMA_VOCAB_SIZE)
                    : gguf.hasTensor(LlamaGgufNames.TOKEN_EMBD) ? (int) gguf.tensor(LlamaGgufNames.TOKEN_EMBD).dim(1)
                    : md.getStringArray(GgufKeys.TOKENIZER_TOKENS).length;
            ModelShape shape;
            try {
                shape = new ModelShape(md.getString(GgufKeys.GENERAL_NAME, name(file)),
                        md.getInt(GgufKeys.LLAMA_BLOCK_COUNT), hidden, heads,
                        md.getInt(GgufKeys.LLAMA_HEAD_COUNT_KV, heads),
                        md.getInt(GgufKeys.LLAMA_KEY_LENGTH, heads > 0 ? hidden / heads : 0),
                        md.getInt(GgufKeys.LLAMA_FEED_FORWARD_LENGTH), vocab,
                        !gguf.hasTensor(LlamaGgufNames.OUTPUT), md.getInt(GgufKeys.LLAMA_CONTEXT_LENGTH, 8192));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": the llama.* metadata does not describe a valid model");
            }
            Map<String, Long> bytes = new TreeMap<>();
            Map<String, Integer> counts = new TreeMap<>();
            long total = 0;
            for (GgufTensor t : gguf.tensors().values()) {
                bytes.merge(t.type().name(), t.byteSize(), Long::sum);
                counts.merge(t.type().name(), 1, Integer::sum);
                total += t.byteSize();
            }
            return new StoredModel(file, "gguf", shape, total, Collections.unmodifiableMap(bytes),
                    Collections.unmodifiableMap(counts));
        }
    }

    private static String name(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        return f == null ? p.toString() : f.toString();
    }

    /** {@code 38 BF16 tensors} or {@code 65 F32, 193 Q4_K, 34 Q6_K tensors}. */
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
