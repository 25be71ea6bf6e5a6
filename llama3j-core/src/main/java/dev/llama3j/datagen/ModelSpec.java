package dev.llama3j.datagen;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.sampling.SamplingParams;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Which model answers a stage of the pipeline, and how it samples: a local model or an
 * OpenAI-compatible endpoint. The syntax (also {@code --generator} / {@code --judge}):
 *
 * <pre>
 * SPEC     = TARGET [ "@" OPTIONS ]
 * TARGET   = PATH [ "+" ADAPTER ]          a model folder or .gguf file, optionally with a PEFT LoRA folder
 *          | URL "#" MODEL                 an OpenAI-compatible base URL (http:// or https://, e.g.
 *                                          http://host:8080/v1) and the model name to ask it for
 * OPTIONS  = KEY "=" VALUE { "," KEY "=" VALUE }
 * KEY      = temperature | top_p | top_k | min_p | seed | max_tokens
 *          | repetition_penalty | frequency_penalty | presence_penalty
 * </pre>
 *
 * The options start after the last {@code @}; the adapter after the last {@code +} of a local
 * target (a URL target takes no adapter: its model name chooses). Without options a stage decodes
 * greedily (temperature 0) with at most {@link #DEFAULT_MAX_TOKENS} tokens, so that a run repeated
 * with the same arguments writes the same rows; a sampled stage repeats only with a {@code seed}.
 * Examples: {@code models/tiny-llama-3.1-chat@temperature=0.7,top_p=0.9,seed=1},
 * {@code base.gguf+adapters/pirate}, {@code http://gpu-box:8000/v1#meta-llama/Llama-3.1-405B-Instruct@max_tokens=1024}.
 *
 * @param text the spec as written
 * @param model the local model (null for an endpoint)
 * @param adapter the local LoRA adapter folder, or null
 * @param endpoint the endpoint's base URL (null for a local model)
 * @param endpointModel the model name sent to the endpoint (null for a local model)
 * @param sampling how to pick tokens
 * @param maxTokens the most tokens per answer
 */
public record ModelSpec(String text, Path model, Path adapter, URI endpoint, String endpointModel,
        SamplingParams sampling, int maxTokens) {
    public static final int DEFAULT_MAX_TOKENS = 512;

    /**
     * Parses a spec; errors name the flag, the spec and the part that is wrong.
     *
     * @param flag how the spec was given, for messages, e.g. {@code --generator}
     */
    public static ModelSpec parse(String text, String flag) {
        String param = flag.replaceFirst("^-+", "");
        if (text == null || text.isBlank()) {
            throw new InvalidRequestException(flag + ": empty model spec; expected PATH[+ADAPTER][@OPTIONS] or URL#MODEL[@OPTIONS]",
                    param);
        }
        String where = flag + " '" + text + "': ";
        int at = text.lastIndexOf('@');
        String target = at >= 0 ? text.substring(0, at) : text;
        SamplingParams sampling = SamplingParams.greedy();
        int maxTokens = DEFAULT_MAX_TOKENS;
        if (at >= 0) {
            String options = text.substring(at + 1);
            if (options.isEmpty()) {
                throw new InvalidRequestException(where + "nothing after '@'; expected options like temperature=0.7,seed=1",
                        param);
            }
            Set<String> seen = new HashSet<>();
            for (String option : options.split(",", -1)) {
                int eq = option.indexOf('=');
                if (eq <= 0 || eq == option.length() - 1) {
                    throw new InvalidRequestException(where + "option '" + option + "' is not KEY=VALUE", param);
                }
                String key = option.substring(0, eq);
                String value = option.substring(eq + 1);
                if (!seen.add(key)) {
                    throw new InvalidRequestException(where + "option '" + key + "' is given twice", param);
                }
                try {
                    switch (key) {
                        case "temperature" -> sampling = sampling.withTemperature(number(where, key, value));
                        case "top_p" -> sampling = sampling.withTopP(number(where, key, value));
                        case "top_k" -> sampling = sampling.withTopK(integer(where, key, value));
                        case "min_p" -> sampling = sampling.withMinP(number(where, key, value));
                        case "repetition_penalty" -> sampling = sampling.withRepetitionPenalty(number(where, key, value));
                        case "frequency_penalty" -> sampling = sampling.withFrequencyPenalty(number(where, key, value));
                        case "presence_penalty" -> sampling = sampling.withPresencePenalty(number(where, key, value));
                        case "seed" -> sampling = sampling.withSeed(longValue(where, key, value));
                        case "max_tokens" -> {
                            maxTokens = integer(where, key, value);
                            if (maxTokens < 1) {
                                throw new InvalidRequestException(where + "option 'max_tokens' must be at least 1, got "
                                        + value, param);
                            }
                        }
                        default -> throw new InvalidRequestException(where + "unknown option '" + key + "'; expected"
                                + " temperature, top_p, top_k, min_p, seed, max_tokens, repetition_penalty,"
                                + " frequency_penalty or presence_penalty", param);
                    }
                } catch (InvalidRequestException e) {
                    throw e.getMessage().startsWith(where) ? e
                            : new InvalidRequestException(where + "option '" + key + "': " + e.getMessage(), param);
                }
            }
        }
        if (target.isEmpty()) {
            throw new InvalidRequestException(where + "no model before '@'", param);
        }
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int hash = target.indexOf('#');
            if (hash < 0 || hash == target.length() - 1) {
                throw new InvalidRequestException(where + "endpoint '" + target + "' names no model; expected URL#MODEL,"
                        + " e.g. http://host:8080/v1#llama-3.1-8b-instruct", param);
            }
            URI uri;
            try {
                uri = new URI(target.substring(0, hash));
            } catch (URISyntaxException e) {
                throw new InvalidRequestException(where + "endpoint URL '" + target.substring(0, hash) + "' is not a URL: "
                        + e.getReason(), param);
            }
            if (uri.getHost() == null) {
                throw new InvalidRequestException(where + "endpoint URL '" + uri + "' has no host", param);
            }
            return new ModelSpec(text, null, null, uri, target.substring(hash + 1), sampling, maxTokens);
        }
        if (target.contains("://")) {
            throw new InvalidRequestException(where + "endpoint '" + target + "' must start with http:// or https://",
                    param);
        }
        int plus = target.lastIndexOf('+');
        if (plus == 0 || plus == target.length() - 1) {
            throw new InvalidRequestException(where + (plus == 0 ? "no model before '+'" : "no adapter after '+'"), param);
        }
        Path model = Path.of(plus > 0 ? target.substring(0, plus) : target);
        Path adapter = plus > 0 ? Path.of(target.substring(plus + 1)) : null;
        return new ModelSpec(text, model, adapter, null, null, sampling, maxTokens);
    }

    public boolean isEndpoint() {
        return endpoint != null;
    }

    /**
     * The name rows record for this model ({@code model_names}, {@code judge_model}): the endpoint's
     * model name, or the local model's file or folder name with {@code +ADAPTER} (the adapter folder's
     * name); the sampling options are not part of it.
     */
    public String modelName() {
        if (isEndpoint()) {
            return endpointModel;
        }
        String name = leaf(model);
        return adapter == null ? name : name + "+" + leaf(adapter);
    }

    private static String leaf(Path p) {
        Path leaf = p.toAbsolutePath().normalize().getFileName();
        return leaf == null ? p.toString() : leaf.toString();
    }

    private static float number(String where, String key, String value) {
        try {
            return Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(where + "option '" + key + "' expects a number, got '" + value + "'", key);
        }
    }

    private static int integer(String where, String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(where + "option '" + key + "' expects an integer, got '" + value + "'", key);
        }
    }

    private static long longValue(String where, String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(where + "option '" + key + "' expects an integer, got '" + value + "'", key);
        }
    }
}
