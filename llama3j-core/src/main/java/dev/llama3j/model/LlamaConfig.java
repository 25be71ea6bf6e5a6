package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The shape of a Llama model: what {@code config.json} (or GGUF {@code llama.*} metadata) says.
 * Reads both spellings of the rotary settings: classic {@code rope_theta} + {@code rope_scaling}, and
 * transformers 5's {@code rope_parameters}.
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        float rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositions,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int[] eosTokenIds) {

    public LlamaConfig {
        check(vocabSize > 0, "vocab_size", vocabSize);
        check(hiddenSize > 0, "hidden_size", hiddenSize);
        check(intermediateSize > 0, "intermediate_size", intermediateSize);
        check(numLayers > 0, "num_hidden_layers", numLayers);
        check(numHeads > 0, "num_attention_heads", numHeads);
        check(numKvHeads > 0 && numHeads % numKvHeads == 0, "num_key_value_heads", numKvHeads);
        check(headDim > 0 && headDim % 2 == 0, "head_dim", headDim);
        check(maxPositions > 0, "max_position_embeddings", maxPositions);
    }

    private static void check(boolean ok, String key, int value) {
        if (!ok) {
            throw new ModelFormatException("config: " + key + " = " + value + " is not valid");
        }
    }

    /** Query heads per key/value head (grouped-query attention). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public static final String CONFIG_FILE = "config.json";

    /** Reads a Hugging Face {@code config.json}; errors name the file and key. */
    public static LlamaConfig fromHuggingFace(Path configJson) {
        if (!Files.isRegularFile(configJson)) {
            throw new ModelFormatException(configJson + ": file not found (a Hugging Face model folder needs "
                    + CONFIG_FILE + ")");
        }
        String f = configJson.toString();
        try {
            Map<String, Object> c = Json.asObject(Json.parseFile(configJson), f);
            checkArchitecture(f, c);
            int hidden = Json.asInt(req(c, f, "hidden_size"), f + ": hidden_size");
            int heads = Json.asInt(req(c, f, "num_attention_heads"), f + ": num_attention_heads");
            int kvHeads = c.get("num_key_value_heads") == null ? heads
                    : Json.asInt(c.get("num_key_value_heads"), f + ": num_key_value_heads");
            int headDim = c.get("head_dim") == null ? hidden / heads : Json.asInt(c.get("head_dim"), f + ": head_dim");

            Map<String, Object> rope = null;
            double theta;
            if (c.get("rope_parameters") instanceof Map<?, ?>) {
                rope = Json.asObject(c.get("rope_parameters"), f + ": rope_parameters");
                theta = rope.get("rope_theta") == null ? 10000.0
                        : Json.asDouble(rope.get("rope_theta"), f + ": rope_parameters.rope_theta");
            } else {
                theta = c.get("rope_theta") == null ? 10000.0 : Json.asDouble(c.get("rope_theta"), f + ": rope_theta");
                if (c.get("rope_scaling") != null) {
                    rope = Json.asObject(c.get("rope_scaling"), f + ": rope_scaling");
                }
            }
            RopeScaling scaling = ropeScaling(f, rope);

            Object eos = c.get("eos_token_id");
            int[] eosIds;
            if (eos instanceof List<?> l) {
                eosIds = new int[l.size()];
                for (int i = 0; i < eosIds.length; i++) {
                    eosIds[i] = Json.asInt(l.get(i), f + ": eos_token_id");
                }
            } else if (eos != null) {
                eosIds = new int[] {Json.asInt(eos, f + ": eos_token_id")};
            } else {
                eosIds = new int[0];
            }
            return new LlamaConfig(
                    Json.asInt(req(c, f, "vocab_size"), f + ": vocab_size"),
                    hidden,
                    Json.asInt(req(c, f, "intermediate_size"), f + ": intermediate_size"),
                    Json.asInt(req(c, f, "num_hidden_layers"), f + ": num_hidden_layers"),
                    heads,
                    kvHeads,
                    headDim,
                    c.get("rms_norm_eps") == null ? 1e-6f : (float) Json.asDouble(c.get("rms_norm_eps"), f + ": rms_norm_eps"),
                    theta,
                    scaling,
                    c.get("max_position_embeddings") == null ? 8192
                            : Json.asInt(c.get("max_position_embeddings"), f + ": max_position_embeddings"),
                    c.get("tie_word_embeddings") != null
                            && Json.asBoolean(c.get("tie_word_embeddings"), f + ": tie_word_embeddings"),
                    c.get("bos_token_id") == null ? -1 : Json.asInt(c.get("bos_token_id"), f + ": bos_token_id"),
                    eosIds);
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    /**
     * Reads the {@code llama.*} metadata of a GGUF file, as llama.cpp's loader does: the vocabulary size
     * from {@code llama.vocab_size}, else the token list, else {@code token_embd.weight}; head_dim from
     * {@code llama.attention.key_length}, else embedding_length / head_count; tied embeddings when there
     * is no {@code output.weight}; end ids from the tokenizer keys ({@link GgufVocabulary#endIds}).
     *
     * <p>RoPE: {@code llama.rope.freq_base}; the llama3 scaling of Llama 3.1 is the
     * {@code rope_freqs.weight} tensor (the loader applies it), for which llama.cpp writes no keys, so
     * {@link #ropeScaling} is {@link RopeScaling#NONE} here. Linear, YaRN or LongRoPE scaling
     * ({@code llama.rope.scaling.type}) is refused.
     */
    public static LlamaConfig fromGguf(GgufFile f) {
        String src = f.source();
        String arch = f.getString(GgufKeys.GENERAL_ARCHITECTURE);
        if (!GgufKeys.ARCHITECTURE_LLAMA.equals(arch)) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.GENERAL_ARCHITECTURE + " is '" + arch
                    + "', which is not supported; llama3j runs 'llama' (Llama 3, 3.1 and 3.2 text models)");
        }
        String scaling = f.getString(GgufKeys.LLAMA_ROPE_SCALING_TYPE, "none");
        if (!scaling.equals("none")) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.LLAMA_ROPE_SCALING_TYPE + " is '" + scaling
                    + "', which is not supported; llama3j implements plain RoPE and Llama 3.1's rope_freqs.weight");
        }
        int hidden = f.getInt(GgufKeys.LLAMA_EMBEDDING_LENGTH);
        int heads = f.getInt(GgufKeys.LLAMA_HEAD_COUNT);
        int kvHeads = f.getInt(GgufKeys.LLAMA_HEAD_COUNT_KV, heads);
        if (heads <= 0) {
            throw new ModelFormatException(src + ": " + GgufKeys.LLAMA_HEAD_COUNT + " = " + heads + " is not valid");
        }
        int headDim = f.getInt(GgufKeys.LLAMA_KEY_LENGTH, hidden / heads);
        int valueLength = f.getInt(GgufKeys.LLAMA_VALUE_LENGTH, headDim);
        if (valueLength != headDim) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.LLAMA_VALUE_LENGTH + " " + valueLength
                    + " differs from the key length " + headDim + "; Llama's are equal");
        }
        int ropeDims = f.getInt(GgufKeys.LLAMA_ROPE_DIMENSION_COUNT, headDim);
        if (ropeDims != headDim) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.LLAMA_ROPE_DIMENSION_COUNT + " is " + ropeDims
                    + " but heads have " + headDim + " dimensions; partial rotary embeddings are not supported");
        }
        int vocab;
        if (f.has(GgufKeys.LLAMA_VOCAB_SIZE)) {
            vocab = f.getInt(GgufKeys.LLAMA_VOCAB_SIZE);
        } else if (f.has(GgufKeys.TOKENIZER_TOKENS)) {
            vocab = f.get(GgufKeys.TOKENIZER_TOKENS).length();
        } else {
            vocab = (int) f.tensor(LlamaGgufNames.TOKEN_EMBD).dim(1);
        }
        try {
            return new LlamaConfig(
                    vocab,
                    hidden,
                    f.getInt(GgufKeys.LLAMA_FEED_FORWARD_LENGTH),
                    f.getInt(GgufKeys.LLAMA_BLOCK_COUNT),
                    heads,
                    kvHeads,
                    headDim,
                    f.getFloat(GgufKeys.LLAMA_RMS_EPS),
                    f.getDouble(GgufKeys.LLAMA_ROPE_FREQ_BASE, 10000.0),
                    RopeScaling.NONE,
                    f.getInt(GgufKeys.LLAMA_CONTEXT_LENGTH),
                    !f.hasTensor(LlamaGgufNames.OUTPUT),
                    f.getInt(GgufKeys.TOKENIZER_BOS_ID, -1),
                    GgufVocabulary.endIds(f));
        } catch (ModelFormatException e) {
            // The record's checks name config.json keys; say which file they came from.
            throw e.getMessage().startsWith(src) ? e : new ModelFormatException(src + ": " + e.getMessage(), e);
        }
    }

    private static Object req(Map<String, Object> c, String f, String key) {
        Object v = c.get(key);
        if (v == null) {
            throw new ModelFormatException(f + ": missing key '" + key + "'");
        }
        return v;
    }

    private static void checkArchitecture(String f, Map<String, Object> c) {
        Object modelType = c.get("model_type");
        Object archs = c.get("architectures");
        String arch = archs instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : null;
        boolean llamaType = modelType == null || "llama".equals(modelType);
        boolean llamaArch = arch == null || arch.equals("LlamaForCausalLM");
        if (!llamaType || !llamaArch) {
            throw new UnsupportedModelException(f + ": architecture " + (arch == null ? "?" : arch) + " (model_type '"
                    + modelType + "') is not supported; llama3j runs LlamaForCausalLM (model_type 'llama')");
        }
        if (c.get("hidden_act") != null && !"silu".equals(c.get("hidden_act"))) {
            throw new UnsupportedModelException(f + ": hidden_act '" + c.get("hidden_act")
                    + "' is not supported; Llama uses 'silu'");
        }
        for (String key : new String[] {"attention_bias", "mlp_bias"}) {
            if (Boolean.TRUE.equals(c.get(key))) {
                throw new UnsupportedModelException(f + ": " + key + " = true is not supported (Llama 3.1 has no biases)");
            }
        }
    }

    private static RopeScaling ropeScaling(String f, Map<String, Object> rope) {
        if (rope == null) {
            return RopeScaling.NONE;
        }
        Object type = rope.containsKey("rope_type") ? rope.get("rope_type") : rope.get("type");
        String t = type == null ? "default" : String.valueOf(type);
        switch (t) {
            case "default":
                return RopeScaling.NONE;
            case "llama3":
                return new RopeScaling("llama3",
                        Json.asDouble(req(rope, f + ": rope scaling", "factor"), f + ": rope factor"),
                        Json.asDouble(req(rope, f + ": rope scaling", "low_freq_factor"), f + ": low_freq_factor"),
                        Json.asDouble(req(rope, f + ": rope scaling", "high_freq_factor"), f + ": high_freq_factor"),
                        Json.asInt(req(rope, f + ": rope scaling", "original_max_position_embeddings"),
                                f + ": original_max_position_embeddings"));
            default:
                throw new UnsupportedModelException(f + ": rope_type '" + t
                        + "' is not supported; llama3j implements 'default' and 'llama3'");
        }
    }

    @Override
    public String toString() {
        return "LlamaConfig[layers=" + numLayers + ", hidden=" + hiddenSize + ", ffn=" + intermediateSize + ", heads="
                + numHeads + "/" + numKvHeads + ", headDim=" + headDim + ", vocab=" + vocabSize + ", rope="
                + ropeTheta + " " + ropeScaling.type() + ", tied=" + tieWordEmbeddings + "]";
    }
}
