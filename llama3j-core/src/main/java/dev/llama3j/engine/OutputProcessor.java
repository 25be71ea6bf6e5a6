package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import dev.llama3j.sampling.TopK;
import java.util.Collections;
import java.util.List;

/**
 * Turns a sequence's logits row into its next token and everything users see of it: the sampled
 * token, log-probabilities, text (detokenized, stop strings held back), the listener's events, the
 * finish and its result, and the token metrics. Runs on the engine's scheduler thread.
 */
final class OutputProcessor {
    private final int vocab;
    private final int[] eosIds;
    private final int contextSize;
    private final EngineMetrics metrics;

    OutputProcessor(int vocab, int[] eosIds, int contextSize, EngineMetrics metrics) {
        this.vocab = vocab;
        this.eosIds = eosIds.clone();
        this.contextSize = contextSize;
        this.metrics = metrics;
    }

    /**
     * Samples the sequence's next token from {@code logits[off, off + vocab)} (the row may be changed
     * by the sampler's penalties), reports it to the listener, and says whether the sequence is done.
     *
     * @return why the sequence ends, or null when it goes on with this token as its next input
     */
    FinishReason accept(Sequence s, float[] logits, int off, long now) {
        int top = s.request.topLogprobs();
        float[] topValues = null;
        int[] topIds = null;
        double lse = 0;
        if (top >= 0) {
            // Read before sampling: the sampler's penalties rewrite the row.
            lse = logSumExp(logits, off, vocab);
            if (top > 0) {
                topIds = TopK.indices(logits, off, vocab, top);
                topValues = new float[top];
                for (int i = 0; i < top; i++) {
                    topValues[i] = (float) (logits[off + topIds[i]] - lse);
                }
            }
        }
        int token = s.sampler.sample(logits, off);
        float logprob = top >= 0 ? (float) (s.sampler.rawLogit(logits, off, token) - lse) : Float.NaN;
        s.sampler.accept(token);
        if (s.generatedCount() == 0) {
            s.firstTokenNanos = now;
            metrics.timeToFirstToken.observe((now - s.submittedNanos) / 1e9);
        } else {
            metrics.interTokenLatency.observe((now - s.lastTokenNanos) / 1e9);
        }
        s.lastTokenNanos = now;
        s.addGenerated(token);
        metrics.generatedTokens.incrementAndGet();
        boolean eos = isStop(token, s.request.stopTokens());
        String delta = "";
        if (!eos) {
            delta = s.stops.append(s.decoder.feed(token));
        }
        s.text.append(delta);
        TokenEvent event = new TokenEvent(token, delta, logprob, topIds, topValues);
        s.events.add(event);
        s.listener.onToken(event);
        if (eos || s.stops.stopped() || s.sampler.grammarMustEnd()) {
            return FinishReason.STOP;
        }
        if (s.generatedCount() >= s.request.maxTokens()
                || s.request.prompt().length + s.generatedCount() >= contextSize) {
            return FinishReason.LENGTH;
        }
        s.pendingToken = token;
        return null;
    }

    private boolean isStop(int token, int[] extra) {
        for (int e : eosIds) {
            if (e == token) {
                return true;
            }
        }
        for (int e : extra) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends a sequence that has left its slot: releases text still held back (unless cancelled),
     * then gives the listener and the handle the result.
     */
    void finish(Sequence s, FinishReason reason) {
        if (reason != FinishReason.STOP || !s.stops.stopped()) {
            String tail = s.stops.append(s.decoder.flush()) + (s.stops.stopped() ? "" : s.stops.flush());
            if (!tail.isEmpty() && reason != FinishReason.CANCELLED) {
                s.text.append(tail);
                s.listener.onToken(new TokenEvent(-1, tail, Float.NaN, null, null));
            }
        }
        long end = System.nanoTime();
        GenerationResult result = new GenerationResult(s.request.prompt(), s.generatedTokens(), s.text.toString(),
                reason, s.cachedPromptTokens, (s.firstTokenNanos == 0 ? end : s.firstTokenNanos) - s.admittedNanos,
                s.firstTokenNanos == 0 ? 0 : s.lastTokenNanos - s.firstTokenNanos,
                Collections.unmodifiableList(s.events));
        if (reason == FinishReason.CANCELLED) {
            metrics.requestsCancelled.incrementAndGet();
        } else {
            metrics.requestsFinished.incrementAndGet();
        }
        try {
            s.listener.onFinish(result);
        } finally {
            s.handle.future().complete(result);
        }
    }

    /** Ends a sequence that has left its slot with an error. */
    void fail(Sequence s, Throwable t) {
        metrics.requestsFailed.incrementAndGet();
        try {
            s.listener.onError(t);
        } finally {
            s.handle.future().completeExceptionally(t);
        }
    }

    /** Ends a request that never got a slot (the engine shut down while it waited). */
    void dropQueued(Sequence s) {
        s.handle.cancel();
        s.listener.onFinish(new GenerationResult(s.request.prompt(), new int[0], "", FinishReason.CANCELLED, 0, 0, 0,
                List.of()));
        s.handle.future().complete(null);
    }

    private static double logSumExp(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(a[off + i] - max);
        }
        return max + Math.log(sum);
    }
}
