package dev.llama3j.engine;

import dev.llama3j.sampling.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state of one generation: where it stands for the {@link Scheduler} (slot, prompt progress, the
 * next token to feed) and what the {@link OutputProcessor} has produced so far.
 */
final class Sequence {
    final GenerationRequest request;
    final GenerationListener listener;
    final Generation handle;
    final Sampler sampler;
    final TextDecoder decoder;
    final StopStringMatcher stops;
    final long submittedNanos;

    Slot slot;
    /** The LoRA adapter's batch index ({@link dev.llama3j.model.Batch#adapter}), 0 for none. */
    int adapter;
    /** Next prompt index to feed; equals prompt.length once the prompt is in the cache. */
    int promptPos;
    int cachedPromptTokens;
    /** The token to feed next in the decode phase. */
    int pendingToken = -1;
    /** Generated ids in {@code generated[0, generatedCount)}; an int array so a token costs no boxing. */
    private int[] generated = new int[16];
    private int generatedCount;
    final List<TokenEvent> events = new ArrayList<>();
    final StringBuilder text = new StringBuilder();
    long admittedNanos;
    long firstTokenNanos;
    long lastTokenNanos;

    Sequence(GenerationRequest request, GenerationListener listener, Generation handle, Sampler sampler,
            TextDecoder decoder) {
        this.request = request;
        this.listener = listener;
        this.handle = handle;
        this.sampler = sampler;
        this.decoder = decoder;
        this.stops = new StopStringMatcher(request.stopStrings());
        this.submittedNanos = System.nanoTime();
    }

    boolean inPrefill() {
        return promptPos < request.prompt().length;
    }

    /** Prompt tokens not fed yet. */
    int remainingPrompt() {
        return request.prompt().length - promptPos;
    }

    /** Position of the next token to feed. */
    int position() {
        return inPrefill() ? promptPos : request.prompt().length + generatedCount - 1;
    }

    int generatedCount() {
        return generatedCount;
    }

    void addGenerated(int token) {
        if (generatedCount == generated.length) {
            generated = Arrays.copyOf(generated, generatedCount * 2);
        }
        generated[generatedCount++] = token;
    }

    int[] generatedTokens() {
        return Arrays.copyOf(generated, generatedCount);
    }
}
