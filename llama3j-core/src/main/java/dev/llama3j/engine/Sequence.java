package dev.llama3j.engine;

import dev.llama3j.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;

/** The state of one generation while the engine runs it in a slot. */
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
    final List<Integer> generated = new ArrayList<>();
    final List<TokenEvent> events = new ArrayList<>();
    final StringBuilder text = new StringBuilder();
    long admittedNanos;
    long firstTokenNanos;
    long lastTokenNanos;
    /** Row of this sequence's logits in the last forward pass, or -1. */
    int logitsRow = -1;

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

    /** Position of the next token to feed. */
    int position() {
        return inPrefill() ? promptPos : request.prompt().length + generated.size() - 1;
    }
}
