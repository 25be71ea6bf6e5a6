package dev.llama3j.deberta;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A DeBERTa-v2 sequence classifier's {@code config.json}, read with the defaults and spellings of
 * Hugging Face's {@code DebertaV2Config} (e.g. {@code pos_att_type} as a list or as {@code "p2c|c2p"}).
 * Only the shape Prompt Guard (mDeBERTa-v3) uses is accepted; any other option is refused by its key.
 *
 * @param maxRelativePositions already resolved: {@code -1} in the file means {@code max_position_embeddings}
 * @param labels               {@code id2label} in id order
 */
public record DebertaConfig(
        int vocabSize,
        int hiddenSize,
        int layers,
        int heads,
        int intermediateSize,
        int maxPositionEmbeddings,
        int maxRelativePositions,
        int positionBuckets,
        boolean c2p,
        boolean p2c,
        boolean normRelEmbeddings,
        float layerNormEps,
        List<String> labels) {

    public int headSize() {
        return hiddenSize / heads;
    }

    /** How many relative positions each side of zero the relative embeddings cover ({@code att_span}). */
    public int attentionSpan() {
        return positionBuckets > 0 ? positionBuckets : maxRelativePositions;
    }

    /** Reads and checks {@code dir/config.json}. */
    public static DebertaConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        try {
            return of(Json.asObject(Json.parseFile(file), file.toString()), file.toString());
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    /** The config from parsed JSON; {@code f} names the file in messages. */
    static DebertaConfig of(Map<String, Object> c, String f) {
        try {
            return parse(c, f);
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    private static DebertaConfig parse(Map<String, Object> c, String f) {
        String type = optString(c, "model_type", null, f);
        if (type != null && !type.equals("deberta-v2")) {
            throw new UnsupportedModelException(f + ": model_type is '" + type + "'; only 'deberta-v2' is supported here");
        }
        int hidden = optInt(c, "hidden_size", 1536, f);
        int heads = optInt(c, "num_attention_heads", 24, f);
        if (hidden % heads != 0) {
            throw new ModelFormatException(f + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (c.containsKey("attention_head_size") && optInt(c, "attention_head_size", 0, f) != hidden / heads) {
            throw new UnsupportedModelException(f + ": attention_head_size " + c.get("attention_head_size")
                    + " differs from hidden_size / num_attention_heads = " + hidden / heads + "; not supported");
        }
        int embedding = optInt(c, "embedding_size", hidden, f);
        if (embedding != hidden) {
            throw new UnsupportedModelException(f + ": embedding_size " + embedding + " differs from hidden_size "
                    + hidden + " (an embedding projection); not supported");
        }
        refuseUnless(c, "relative_attention", true, false, f);
        refuseUnless(c, "position_biased_input", false, true, f);
        refuseUnless(c, "share_att_key", true, false, f);
        if (optInt(c, "type_vocab_size", 0, f) != 0) {
            throw new UnsupportedModelException(f + ": type_vocab_size " + c.get("type_vocab_size")
                    + " (token type embeddings) is not supported; Prompt Guard uses 0");
        }
        if (optInt(c, "conv_kernel_size", 0, f) > 0) {
            throw new UnsupportedModelException(f + ": conv_kernel_size " + c.get("conv_kernel_size")
                    + " (a convolution layer) is not supported");
        }
        for (String key : new String[] {"hidden_act", "pooler_hidden_act"}) {
            String act = optString(c, key, "gelu", f);
            if (!act.equals("gelu")) {
                throw new UnsupportedModelException(f + ": " + key + " '" + act + "' is not supported; expected 'gelu'");
            }
        }
        if (optInt(c, "pooler_hidden_size", hidden, f) != hidden) {
            throw new UnsupportedModelException(f + ": pooler_hidden_size " + c.get("pooler_hidden_size")
                    + " differs from hidden_size " + hidden + "; not supported");
        }
        boolean normRel = false;
        for (String part : optString(c, "norm_rel_ebd", "none", f).toLowerCase().split("\\|")) {
            switch (part.strip()) {
                case "none" -> {}
                case "layer_norm" -> normRel = true;
                default -> throw new UnsupportedModelException(f + ": norm_rel_ebd '" + part.strip()
                        + "' is not supported; expected 'layer_norm' or 'none'");
            }
        }
        boolean c2p = false;
        boolean p2c = false;
        for (String part : posAttTypes(c.get("pos_att_type"), f)) {
            switch (part) {
                case "c2p" -> c2p = true;
                case "p2c" -> p2c = true;
                default -> throw new UnsupportedModelException(f + ": pos_att_type '" + part
                        + "' is not supported; expected 'c2p' and/or 'p2c'");
            }
        }
        int maxPos = optInt(c, "max_position_embeddings", 512, f);
        int maxRel = optInt(c, "max_relative_positions", -1, f);
        if (maxRel < 1) {
            maxRel = maxPos;
        }
        int buckets = optInt(c, "position_buckets", -1, f);
        return new DebertaConfig(
                requiredInt(c, "vocab_size", f),
                hidden,
                optInt(c, "num_hidden_layers", 24, f),
                heads,
                optInt(c, "intermediate_size", 6144, f),
                maxPos,
                maxRel,
                buckets,
                c2p,
                p2c,
                normRel,
                (float) optDouble(c, "layer_norm_eps", 1e-7, f),
                labels(c, f));
    }

    private static List<String> posAttTypes(Object value, String f) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value instanceof String s) {
            for (String part : s.toLowerCase().split("\\|")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
            return out;
        }
        for (Object o : Json.asArray(value, f + ": pos_att_type")) {
            out.add(Json.asString(o, f + ": pos_att_type[]"));
        }
        return out;
    }

    private static List<String> labels(Map<String, Object> c, String f) {
        Object v = c.get("id2label");
        if (v == null) {
            throw new ModelFormatException(f + ": id2label is missing; a sequence classifier names its labels there");
        }
        Map<Integer, String> byId = new TreeMap<>();
        for (var e : Json.asObject(v, f + ": id2label").entrySet()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new ModelFormatException(f + ": id2label key '" + e.getKey() + "' is not an integer");
            }
            byId.put(id, Json.asString(e.getValue(), f + ": id2label['" + e.getKey() + "']"));
        }
        List<String> out = new ArrayList<>();
        for (var e : byId.entrySet()) {
            if (e.getKey() != out.size()) {
                throw new ModelFormatException(f + ": id2label ids must be 0.." + (byId.size() - 1) + ", found " + byId.keySet());
            }
            out.add(e.getValue());
        }
        return List.copyOf(out);
    }

    private static void refuseUnless(Map<String, Object> c, String key, boolean wanted, boolean dflt, String f) {
        Object v = c.get(key);
        boolean value = v == null ? dflt : Json.asBoolean(v, f + ": " + key);
        if (value != wanted) {
            throw new UnsupportedModelException(f + ": " + key + " " + value + (v == null ? " (the default)" : "")
                    + " is not supported; Prompt Guard's DeBERTa-v2 has " + key + " " + wanted);
        }
    }

    private static int requiredInt(Map<String, Object> c, String key, String f) {
        if (!c.containsKey(key)) {
            throw new ModelFormatException(f + ": " + key + " is missing");
        }
        return Json.asInt(c.get(key), f + ": " + key);
    }

    private static int optInt(Map<String, Object> c, String key, int dflt, String f) {
        Object v = c.get(key);
        return v == null ? dflt : Json.asInt(v, f + ": " + key);
    }

    private static double optDouble(Map<String, Object> c, String key, double dflt, String f) {
        Object v = c.get(key);
        return v == null ? dflt : Json.asDouble(v, f + ": " + key);
    }

    private static String optString(Map<String, Object> c, String key, String dflt, String f) {
        Object v = c.get(key);
        return v == null ? dflt : Json.asString(v, f + ": " + key);
    }
}
