package dev.llama3j.sampling;

import dev.llama3j.error.InvalidRequestException;

/**
 * How to choose each next token. {@code temperature == 0} is greedy decoding. Zero or negative
 * {@code topK}, {@code topP >= 1} and {@code minP <= 0} disable those filters; penalties of
 * {@code 1.0} (repetition) or {@code 0.0} (frequency, presence) disable them. A {@code null} seed
 * draws a fresh one.
 *
 * <pre>{@code
 * SamplingParams p = SamplingParams.greedy();
 * SamplingParams q = SamplingParams.defaults().withTemperature(0.7f).withTopP(0.9f).withSeed(42L);
 * }</pre>
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        Long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new InvalidRequestException("temperature must be a number >= 0, got " + temperature, "temperature");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidRequestException("top_p must be in (0, 1], got " + topP, "top_p");
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new InvalidRequestException("min_p must be in [0, 1], got " + minP, "min_p");
        }
        if (!(repetitionPenalty > 0)) {
            throw new InvalidRequestException("repetition_penalty must be > 0, got " + repetitionPenalty,
                    "repetition_penalty");
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new InvalidRequestException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty,
                    "frequency_penalty");
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new InvalidRequestException("presence_penalty must be in [-2, 2], got " + presencePenalty,
                    "presence_penalty");
        }
    }

    /** Temperature 1, no filters, no penalties. */
    public static SamplingParams defaults() {
        return new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, null);
    }

    public static SamplingParams greedy() {
        return defaults().withTemperature(0f);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withRepetitionPenalty(float r) {
        return new SamplingParams(temperature, topK, topP, minP, r, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingParams withFrequencyPenalty(float f) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, f, presencePenalty, seed);
    }

    public SamplingParams withPresencePenalty(float p) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, p, seed);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, s);
    }

    /**
     * The parameters of choice {@code choice} of several drawn for one prompt: with a seed, each
     * choice gets its own (seed + choice), so that seeded choices differ yet repeat run after run.
     */
    public SamplingParams forChoice(int choice) {
        return choice == 0 || seed == null ? this : withSeed(seed + choice);
    }
}
