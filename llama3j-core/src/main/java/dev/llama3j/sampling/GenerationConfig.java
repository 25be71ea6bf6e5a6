package dev.llama3j.sampling;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model's default sampling, from Hugging Face's {@code generation_config.json}: Llama 3.1 Instruct
 * samples at temperature 0.6 with top-p 0.9. {@code do_sample: false} (or no file) means greedy.
 * Like transformers, an unset {@code top_k} is 50 when sampling.
 *
 * @param eosTokenIds the end ids it lists, or an empty array
 */
public record GenerationConfig(SamplingParams sampling, int[] eosTokenIds) {
    public static final String FILE = "generation_config.json";

    public static GenerationConfig none() {
        return new GenerationConfig(SamplingParams.greedy(), new int[0]);
    }

    /** Reads {@code dir/generation_config.json}, or returns greedy defaults when it is absent. */
    public static GenerationConfig fromHuggingFace(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return none();
        }
        String f = file.toString();
        try {
            Map<String, Object> c = Json.asObject(Json.parseFile(file), f);
            boolean sample = c.get("do_sample") != null && Json.asBoolean(c.get("do_sample"), f + ": do_sample");
            SamplingParams p = SamplingParams.greedy();
            if (sample) {
                p = SamplingParams.defaults()
                        .withTemperature(num(c, f, "temperature", 1.0f))
                        .withTopP(num(c, f, "top_p", 1.0f))
                        .withTopK(c.get("top_k") == null ? 50 : Json.asInt(c.get("top_k"), f + ": top_k"))
                        .withMinP(num(c, f, "min_p", 0f))
                        .withRepetitionPenalty(num(c, f, "repetition_penalty", 1.0f));
            }
            Object eos = c.get("eos_token_id");
            int[] ids = new int[0];
            if (eos instanceof List<?> l) {
                ids = new int[l.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = Json.asInt(l.get(i), f + ": eos_token_id");
                }
            } else if (eos != null) {
                ids = new int[] {Json.asInt(eos, f + ": eos_token_id")};
            }
            return new GenerationConfig(p, ids);
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    /** gguf-py's {@code general.sampling.*} keys, which {@code convert_hf_to_gguf.py} fills from generation_config.json. */
    public static final String GGUF_TEMP = "general.sampling.temp";
    public static final String GGUF_TOP_P = "general.sampling.top_p";
    public static final String GGUF_TOP_K = "general.sampling.top_k";
    public static final String GGUF_MIN_P = "general.sampling.min_p";
    public static final String GGUF_PENALTY_REPEAT = "general.sampling.penalty_repeat";

    /**
     * A GGUF file's defaults: its {@code general.sampling.*} keys when it has a temperature (unset keys
     * default as for generation_config.json, top-k 50 included), else greedy; end ids as
     * {@link GgufVocabulary#endIds}.
     */
    public static GenerationConfig fromGguf(GgufFile f) {
        SamplingParams p = SamplingParams.greedy();
        if (f.has(GGUF_TEMP)) {
            p = SamplingParams.defaults()
                    .withTemperature(f.getFloat(GGUF_TEMP))
                    .withTopP(f.getFloat(GGUF_TOP_P, 1.0f))
                    .withTopK(f.getInt(GGUF_TOP_K, 50))
                    .withMinP(f.getFloat(GGUF_MIN_P, 0f))
                    .withRepetitionPenalty(f.getFloat(GGUF_PENALTY_REPEAT, 1.0f));
        }
        return new GenerationConfig(p, GgufVocabulary.endIds(f));
    }

    private static float num(Map<String, Object> c, String f, String key, float dflt) {
        return c.get(key) == null ? dflt : (float) Json.asDouble(c.get(key), f + ": " + key);
    }
}
