package dev.llama3j.engine;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.Batch;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.sampling.Sampler;
import dev.llama3j.sampling.TopK;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Runs generations on a model with continuous batching: up to {@code parallel} sequences decode
 * together, one forward pass per step for all of them; new requests join between steps and finished
 * ones leave. Prompts are fed in chunks, smaller while others are generating, so a long prompt does
 * not stall running streams. Each slot keeps its cache after a request ends, and a new request whose
 * prompt starts with a slot's cached tokens reuses them.
 *
 * <pre>{@code
 * try (Engine engine = new Engine(model, decoders, eosIds, EngineOptions.single(4096))) {
 *     GenerationResult r = engine.generate(GenerationRequest.of(promptIds, SamplingParams.greedy(), 64));
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private final LlamaModel model;
    private final Supplier<TextDecoder> decoders;
    private final int[] eosIds;
    private final EngineOptions options;
    private final Slot[] slots;
    private final Batch batch;
    private final float[] logits;
    private final int vocab;
    private final EngineMetrics metrics = new EngineMetrics();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Sequence> queue = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private volatile boolean closed;
    private volatile int runningCount;
    private final Thread scheduler;

    /**
     * @param decoders makes a fresh incremental detokenizer per sequence
     * @param eosIds ids that end every generation (the model's end-of-turn tokens)
     */
    public Engine(LlamaModel model, Supplier<TextDecoder> decoders, int[] eosIds, EngineOptions options) {
        this.model = model;
        this.decoders = decoders;
        this.eosIds = eosIds.clone();
        this.options = options;
        this.vocab = model.config().vocabSize();
        this.slots = new Slot[options.parallel()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, model.newCache(options.contextSize(), options.cacheType()));
        }
        int batchTokens = Math.min(options.maxBatchTokens(), model.maxBatch());
        this.batch = new Batch(batchTokens);
        this.logits = new float[options.parallel() * vocab];
        this.scheduler = new Thread(this::schedulerLoop, "llama3j-scheduler");
        scheduler.setDaemon(true);
        scheduler.start();
    }

    public LlamaModel model() {
        return model;
    }

    public EngineOptions options() {
        return options;
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    /** Requests waiting for a slot. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Sequences in slots now. */
    public int running() {
        return runningCount;
    }

    /** Positions filled across all slots' caches, and their capacity. */
    public long[] cacheUsage() {
        long used = 0;
        long cap = 0;
        for (Slot s : slots) {
            if (s.sequence != null) {
                used += s.cache.length();
            }
            cap += s.cache.capacity();
        }
        return new long[] {used, cap};
    }

    /** Bytes of all slots' KV caches. */
    public long cacheBytes() {
        long sum = 0;
        for (Slot s : slots) {
            sum += s.cache.bytes();
        }
        return sum;
    }

    /** Generates synchronously. */
    public GenerationResult generate(GenerationRequest request) {
        return submit(request, new GenerationListener() {}).await();
    }

    /**
     * Queues a generation; {@code listener} hears its tokens from the scheduler thread.
     *
     * @throws InvalidRequestException for an empty prompt, ids outside the vocabulary or a prompt that
     *     does not fit the context
     * @throws EngineOverloadedException when the queue is full
     */
    public Generation submit(GenerationRequest request, GenerationListener listener) {
        int adapter = validate(request);
        Generation handle = new Generation();
        Sampler sampler = new Sampler(request.sampling(), vocab, request.prompt());
        Sequence seq = new Sequence(request, listener, handle, sampler, decoders.get());
        seq.adapter = adapter;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the engine is shut down");
            }
            if (queue.size() >= options.queueCapacity()) {
                metrics.requestsRejected.incrementAndGet();
                throw new EngineOverloadedException("the server is busy: " + queue.size()
                        + " requests are waiting; try again shortly");
            }
            metrics.requests.incrementAndGet();
            queue.add(seq);
            work.signal();
        } finally {
            lock.unlock();
        }
        return handle;
    }

    /** Checks a request; returns the batch index of its adapter. */
    private int validate(GenerationRequest r) {
        int adapter = model.adapters().indexOf(r.adapter());
        if (adapter < 0) {
            List<String> names = model.adapters().names();
            throw new InvalidRequestException("there is no LoRA adapter '" + r.adapter() + "'; "
                    + (names.isEmpty() ? "the model was loaded without adapters" : "the model has " + names),
                    "model");
        }
        int[] p = r.prompt();
        if (p == null || p.length == 0) {
            throw new InvalidRequestException("the prompt is empty", "prompt");
        }
        for (int t : p) {
            if (t < 0 || t >= vocab) {
                throw new InvalidRequestException("prompt token id " + t + " is outside the vocabulary (0.."
                        + (vocab - 1) + ")", "prompt");
            }
        }
        if (p.length >= options.contextSize()) {
            throw new InvalidRequestException("the prompt has " + p.length + " tokens but the context holds "
                    + options.contextSize() + " (prompt plus at least one generated token); shorten it or raise"
                    + " the context size", "messages");
        }
        if (r.maxTokens() < 1) {
            throw new InvalidRequestException("max_tokens must be at least 1, got " + r.maxTokens(), "max_tokens");
        }
        if (r.topLogprobs() > 20) {
            throw new InvalidRequestException("top_logprobs must be at most 20, got " + r.topLogprobs(), "top_logprobs");
        }
        return adapter;
    }

    private void schedulerLoop() {
        while (true) {
            lock.lock();
            try {
                admit();
                while (running.isEmpty() && !closed) {
                    work.awaitUninterruptibly();
                    admit();
                }
                if (closed && running.isEmpty()) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            try {
                step();
            } catch (Throwable t) {
                failAll(t);
            }
        }
    }

    /** Moves queued requests into free slots, choosing the slot that shares the longest prefix. */
    private void admit() {
        while (!queue.isEmpty()) {
            Slot best = null;
            int bestPrefix = -1;
            Sequence seq = queue.peek();
            for (Slot s : slots) {
                if (s.sequence == null) {
                    // A cache computed with another adapter holds other keys and values.
                    int prefix = s.adapter == seq.adapter ? s.commonPrefix(seq.request.prompt()) : 0;
                    if (prefix > bestPrefix) {
                        best = s;
                        bestPrefix = prefix;
                    }
                }
            }
            if (best == null) {
                return;
            }
            queue.poll();
            // At least the last prompt token is recomputed: its logits give the first new token.
            int reuse = Math.min(bestPrefix, seq.request.prompt().length - 1);
            best.cache.truncate(Math.min(best.cache.length(), reuse));
            best.sequence = seq;
            best.adapter = seq.adapter;
            seq.slot = best;
            seq.promptPos = reuse;
            seq.cachedPromptTokens = reuse;
            seq.admittedNanos = System.nanoTime();
            running.add(seq);
            runningCount = running.size();
            metrics.promptTokens.addAndGet(seq.request.prompt().length);
            metrics.cachedPromptTokens.addAndGet(reuse);
        }
    }

    private void step() {
        // Cancelled sequences leave before the pass.
        for (Sequence s : new ArrayList<>(running)) {
            if (s.handle.isCancelled()) {
                finish(s, FinishReason.CANCELLED);
            }
        }
        if (running.isEmpty()) {
            return;
        }
        batch.clear();
        int outputs = 0;
        boolean anyDecoding = false;
        for (Sequence s : running) {
            s.logitsRow = -1;
            if (!s.inPrefill()) {
                anyDecoding = true;
                int pos = s.position();
                s.slot.tokens[pos] = s.pendingToken;
                batch.add(s.pendingToken, pos, s.slot.cache, true, s.adapter);
                s.logitsRow = outputs++;
            }
        }
        int budget = batch.capacity() - batch.size();
        if (anyDecoding) {
            budget = Math.min(budget, options.busyPrefillTokens());
        }
        List<Sequence> prefill = new ArrayList<>();
        for (Sequence s : running) {
            if (s.inPrefill()) {
                prefill.add(s);
            }
        }
        // Shortest remaining prompt first: a short request is not kept waiting behind a long one.
        prefill.sort(Comparator.comparingInt(s -> s.request.prompt().length - s.promptPos));
        for (Sequence s : prefill) {
            if (budget <= 0) {
                break;
            }
            int[] prompt = s.request.prompt();
            int take = Math.min(budget, prompt.length - s.promptPos);
            for (int i = 0; i < take; i++) {
                int pos = s.promptPos + i;
                boolean last = pos == prompt.length - 1;
                s.slot.tokens[pos] = prompt[pos];
                batch.add(prompt[pos], pos, s.slot.cache, last, s.adapter);
                if (last) {
                    s.logitsRow = outputs++;
                }
            }
            s.promptPos += take;
            budget -= take;
        }
        model.forward(batch, logits);
        metrics.forwardPasses.incrementAndGet();
        long now = System.nanoTime();
        for (Sequence s : new ArrayList<>(running)) {
            if (s.logitsRow >= 0) {
                try {
                    emit(s, s.logitsRow * vocab, now);
                } catch (RuntimeException e) {
                    fail(s, e);
                }
            }
        }
    }

    private void emit(Sequence s, int off, long now) {
        TokenEvent partial = null;
        int top = s.request.topLogprobs();
        float[] topValues = null;
        int[] topIds = null;
        float logprob = Float.NaN;
        double lse = 0;
        if (top >= 0) {
            lse = logSumExp(logits, off, vocab);
            if (top > 0) {
                topIds = TopK.indices(logits, off, vocab, top);
                topValues = new float[top];
                for (int i = 0; i < top; i++) {
                    topValues[i] = (float) (logits[off + topIds[i]] - lse);
                }
            }
        }
        float[] raw = top >= 0 ? Arrays.copyOfRange(logits, off, off + vocab) : null;
        int token = s.sampler.sample(logits, off);
        s.sampler.accept(token);
        if (raw != null) {
            logprob = (float) (raw[token] - lse);
        }
        if (s.generated.isEmpty()) {
            s.firstTokenNanos = now;
            metrics.timeToFirstToken.observe((now - s.submittedNanos) / 1e9);
        } else {
            metrics.interTokenLatency.observe((now - s.lastTokenNanos) / 1e9);
        }
        s.lastTokenNanos = now;
        s.generated.add(token);
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
        if (eos || s.stops.stopped()) {
            finish(s, FinishReason.STOP);
        } else if (s.generated.size() >= s.request.maxTokens()
                || s.request.prompt().length + s.generated.size() >= options.contextSize()) {
            finish(s, FinishReason.LENGTH);
        } else {
            s.pendingToken = token;
        }
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

    private void finish(Sequence s, FinishReason reason) {
        if (reason != FinishReason.STOP || !s.stops.stopped()) {
            String tail = s.stops.append(s.decoder.flush()) + (s.stops.stopped() ? "" : s.stops.flush());
            if (!tail.isEmpty() && reason != FinishReason.CANCELLED) {
                s.text.append(tail);
                TokenEvent flushEvent = new TokenEvent(-1, tail, Float.NaN, null, null);
                s.listener.onToken(flushEvent);
            }
        }
        release(s);
        long end = System.nanoTime();
        int[] tokens = s.generated.stream().mapToInt(Integer::intValue).toArray();
        GenerationResult result = new GenerationResult(s.request.prompt(), tokens, s.text.toString(), reason,
                s.cachedPromptTokens, (s.firstTokenNanos == 0 ? end : s.firstTokenNanos) - s.admittedNanos,
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

    private void fail(Sequence s, Throwable t) {
        release(s);
        metrics.requestsFailed.incrementAndGet();
        try {
            s.listener.onError(t);
        } finally {
            s.handle.future().completeExceptionally(t);
        }
    }

    private void release(Sequence s) {
        if (s.slot != null) {
            // Keep only what the cache really holds, for prefix reuse by the next request.
            s.slot.sequence = null;
            s.slot = null;
        }
        running.remove(s);
        runningCount = running.size();
    }

    private void failAll(Throwable t) {
        for (Sequence s : new ArrayList<>(running)) {
            // The caches may be half-written: forget them.
            s.slot.cache.truncate(0);
            fail(s, t);
        }
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

    /** The {@code k} largest of {@code a[off, off + n)}, as indices into that row. */

    /** Stops taking requests, cancels waiting ones, lets running ones finish, then stops the thread. */
    @Override
    public void close() {
        List<Sequence> dropped;
        lock.lock();
        try {
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
            for (Sequence s : running) {
                s.handle.cancel();
            }
            work.signal();
        } finally {
            lock.unlock();
        }
        for (Sequence s : dropped) {
            s.handle.cancel();
            s.listener.onFinish(new GenerationResult(s.request.prompt(), new int[0], "", FinishReason.CANCELLED, 0,
                    0, 0, List.of()));
            s.handle.future().complete(null);
        }
        try {
            scheduler.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
