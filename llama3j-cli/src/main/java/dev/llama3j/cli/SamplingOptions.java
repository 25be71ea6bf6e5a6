package dev.llama3j.cli;

import dev.llama3j.sampling.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling flags; anything not given falls back to the model's generation_config.json. */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 = greedy")
    Float temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling: keep tokens up to this mass")
    Float topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens (0 = all)")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens below P times the top probability")
    Float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", description = "Repetition penalty (1 = off)")
    Float repeatPenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F", description = "OpenAI frequency penalty")
    Float frequencyPenalty;

    @Option(names = "--presence-penalty", paramLabel = "P", description = "OpenAI presence penalty")
    Float presencePenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (same seed, same output)")
    Long seed;

    SamplingParams apply(SamplingParams defaults) {
        SamplingParams p = defaults;
        if (temperature != null) {
            p = p.withTemperature(temperature);
        }
        if (topP != null) {
            p = p.withTopP(topP);
        }
        if (topK != null) {
            p = p.withTopK(topK);
        }
        if (minP != null) {
            p = p.withMinP(minP);
        }
        if (repeatPenalty != null) {
            p = p.withRepetitionPenalty(repeatPenalty);
        }
        if (frequencyPenalty != null) {
            p = p.withFrequencyPenalty(frequencyPenalty);
        }
        if (presencePenalty != null) {
            p = p.withPresencePenalty(presencePenalty);
        }
        if (seed != null) {
            p = p.withSeed(seed);
        }
        return p;
    }
}
