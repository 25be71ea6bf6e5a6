package dev.llama3j.server;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The generation fields that chat and text completions share: sampling, limits, stop strings,
 * choices, log-probabilities and streaming. A field the client leaves out takes the model's
 * {@code generation_config.json} default, as vLLM and the CLI do.
 */
final class GenerationOptions {
    static final int MAX_STOP_STRINGS = 16;
    static final int MAX_TOP_LOGPROBS = 20;

    final SamplingParams sampling;
    /** The client's token limit, or null for the endpoint's default. */
    final Integer maxTokens;
    final List<String> stop;
    final int n;
    /** -1: no log-probabilities; 0: the chosen token's; k: also the k most likely. */
    final int topLogprobs;
    final boolean stream;
    final boolean includeUsage;
    /** vLLM's {@code return_token_ids}: the answer also carries the prompt's and each choice's token ids. */
    final boolean returnTokenIds;
    /** What the output must follow ({@link OutputConstraint}), or null. */
    final Grammar grammar;

    private GenerationOptions(SamplingParams sampling, Integer maxTokens, List<String> stop, int n, int topLogprobs,
            boolean stream, boolean includeUsage, boolean returnTokenIds, Grammar grammar) {
        this.sampling = sampling;
        this.maxTokens = maxTokens;
        this.stop = stop;
        this.n = n;
        this.topLogprobs = topLogprobs;
        this.stream = stream;
        this.includeUsage = includeUsage;
        this.returnTokenIds = returnTokenIds;
        this.grammar = grammar;
    }

    /**
     * @param chat true for chat completions ({@code logprobs} is a boolean with {@code top_logprobs}),
     *     false for text completions ({@code logprobs} is the number of alternatives)
     */
    static GenerationOptions parse(Params p, SamplingParams defaults, boolean chat, int maxChoices) {
        SamplingParams s = defaults;
        try {
            Double t = p.number("temperature", 0, 2);
            if (t != null) {
                s = s.withTemperature(t.floatValue());
            }
            Double topP = p.number("top_p", 0, 1);
            if (topP != null) {
                if (topP == 0) {
                    throw OpenAiError.invalid("'top_p' must be greater than 0", "top_p");
                }
                s = s.withTopP(topP.floatValue());
            }
            // Extensions that llama.cpp's and vLLM's servers also take.
            Integer topK = p.integer("top_k", -1, Integer.MAX_VALUE);
            if (topK != null) {
                s = s.withTopK(topK);
            }
            Double minP = p.number("min_p", 0, 1);
            if (minP != null) {
                s = s.withMinP(minP.floatValue());
            }
            Double rep = p.number("repetition_penalty", 0, 10);
            if (rep != null) {
                if (rep == 0) {
                    throw OpenAiError.invalid("'repetition_penalty' must be greater than 0", "repetition_penalty");
                }
                s = s.withRepetitionPenalty(rep.floatValue());
            }
            Double freq = p.number("frequency_penalty", -2, 2);
            if (freq != null) {
                s = s.withFrequencyPenalty(freq.floatValue());
            }
            Double pres = p.number("presence_penalty", -2, 2);
            if (pres != null) {
                s = s.withPresencePenalty(pres.floatValue());
            }
            Long seed = p.longValue("seed");
            if (seed != null) {
                s = s.withSeed(seed);
            }
        } catch (InvalidRequestException e) {
            throw OpenAiError.invalid(e.getMessage(), e.param());
        }

        Integer maxTokens = p.integer("max_tokens", 1, Integer.MAX_VALUE);
        if (chat) {
            Integer mct = p.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
            if (mct != null) {
                maxTokens = mct;
            }
        }

        List<String> stop = new ArrayList<>();
        for (String st : p.stringOrStrings("stop", MAX_STOP_STRINGS)) {
            if (!st.isEmpty()) {
                stop.add(st);
            }
        }

        int n = p.has("n") ? p.integer("n", 1, maxChoices) : 1;

        int top = -1;
        if (chat) {
            boolean logprobs = p.bool("logprobs", false);
            Integer tl = p.integer("top_logprobs", 0, MAX_TOP_LOGPROBS);
            if (tl != null && !logprobs) {
                throw OpenAiError.invalid("'top_logprobs' needs 'logprobs' set to true", "top_logprobs");
            }
            if (logprobs) {
                top = tl == null ? 0 : tl;
            }
        } else {
            Integer lp = p.integer("logprobs", 0, MAX_TOP_LOGPROBS);
            if (lp != null) {
                top = lp;
            }
        }

        boolean stream = p.bool("stream", false);
        boolean includeUsage = false;
        Params so = p.object("stream_options");
        if (so != null) {
            if (!stream) {
                throw OpenAiError.invalid("'stream_options' is only allowed when 'stream' is true", "stream_options");
            }
            includeUsage = so.bool("include_usage", false);
        }
        boolean returnTokenIds = p.bool("return_token_ids", false);
        if (returnTokenIds && stream) {
            throw OpenAiError.invalid("'return_token_ids' is supported only without 'stream' (whole answers)",
                    "return_token_ids");
        }
        return new GenerationOptions(s, maxTokens, List.copyOf(stop), n, top, stream, includeUsage, returnTokenIds,
                OutputConstraint.read(p, chat));
    }

    /** The engine request of choice {@code choice} ({@link SamplingParams#forChoice} gives it its seed). */
    GenerationRequest request(int[] prompt, int choice, int defaultMaxTokens, String adapter) {
        int max = maxTokens != null ? maxTokens : defaultMaxTokens;
        return new GenerationRequest(prompt, sampling.forChoice(choice), max, null, stop, topLogprobs, adapter, grammar);
    }
}
