package dev.llama3j.engine;

import dev.llama3j.grammar.Grammar;
import dev.llama3j.sampling.SamplingParams;
import java.util.List;

/**
 * One generation: the prompt's token ids, how to sample, when to stop.
 *
 * @param prompt token ids, BOS included if wanted
 * @param sampling temperature, filters, penalties, seed
 * @param maxTokens the most tokens to generate (the context may end it sooner)
 * @param stopTokens ids that end the generation (the model's end-of-turn ids are added by the engine)
 * @param stopStrings texts that end the generation; the text is cut before them
 * @param topLogprobs how many alternatives to report per token with their log-probabilities; -1 for
 *     no log-probabilities at all, 0 for the chosen token's only
 * @param adapter name of a LoRA adapter to apply, or null for the base model
 * @param grammar a grammar the generated text must follow (GBNF, or a JSON schema converted), or null;
 *     the generation ends when its sentence is complete and nothing may follow
 */
public record GenerationRequest(
        int[] prompt,
        SamplingParams sampling,
        int maxTokens,
        int[] stopTokens,
        List<String> stopStrings,
        int topLogprobs,
        String adapter,
        Grammar grammar) {

    public GenerationRequest {
        stopTokens = stopTokens == null ? new int[0] : stopTokens;
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    }

    /** Without a grammar. */
    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int[] stopTokens,
            List<String> stopStrings, int topLogprobs, String adapter) {
        this(prompt, sampling, maxTokens, stopTokens, stopStrings, topLogprobs, adapter, null);
    }

    /** The same generation, constrained by {@code g} (null: none). */
    public GenerationRequest withGrammar(Grammar g) {
        return new GenerationRequest(prompt, sampling, maxTokens, stopTokens, stopStrings, topLogprobs, adapter, g);
    }

    public static GenerationRequest of(int[] prompt, SamplingParams sampling, int maxTokens) {
        return new GenerationRequest(prompt, sampling, maxTokens, null, null, -1, null);
    }
}
