package dev.llama3j.engine;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.grammar.GrammarConstraint;
import dev.llama3j.grammar.TokenTrie;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.sampling.Sampler;
import java.util.Arrays;
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
 * <p>Each step is planned by the {@link Scheduler}, run by the {@link EngineCore} (forward pass, then
 * the {@link OutputProcessor} per sequence); this class checks requests and owns the thread.
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
    /** The vocabulary's token bytes for grammars (built once, on the first grammar), or null: none. */
    private final Supplier<TokenTrie> tokenTrie;
    private final int[] eosIds;
    private final EngineOptions options;
    private final int vocab;
    private final EngineMetrics metrics = new EngineMetrics();
    private final Scheduler scheduler;
    private final EngineCore core;

    /** Guards the scheduler's queue and {@link #closed}; the scheduler thread waits on {@link #work}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private volatile boolean closed;
    private final Thread thread;

    /**
     * @param decoders makes a fresh incremental detokenizer per sequence
     * @param eosIds ids that end every generation (the model's end-of-turn tokens)
     */
    public Engine(LlamaModel model, Supplier<TextDecoder> decoders, int[] eosIds, EngineOptions options) {
        this(model, decoders, null, eosIds, options);
    }

    /**
     * @param tokenTrie the vocabulary's token bytes, for requests with a grammar (asked for on the
     *     first such request; the caller memoises it), or null when grammars are not supported
     */
    public Engine(LlamaModel model, Supplier<TextDecoder> decoders, Supplier<TokenTrie> tokenTrie, int[] eosIds,
            EngineOptions options) {
        this.model = model;
        this.decoders = decoders;
        this.tokenTrie = tokenTrie;
        this.eosIds = eosIds.clone();
        this.options = options;
        this.vocab = model.config().vocabSize();
        int batchTokens = Math.min(options.maxBatchTokens(), model.maxBatch());
        this.scheduler = new Scheduler(options, batchTokens, metrics);
        KvCache[] caches = new KvCache[options.parallel()];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = model.newCache(options.contextSize(), options.cacheType());
        }
        this.core = new EngineCore(scheduler, new OutputProcessor(vocab, eosIds, options.contextSize(), metrics),
                model::forward, caches, batchTokens, vocab, metrics);
        this.thread = new Thread(this::schedulerLoop, "llama3j-scheduler");
        thread.setDaemon(true);
        thread.start();
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
            return scheduler.queued();
        } finally {
            lock.unlock();
        }
    }

    /** Sequences in slots now. */
    public int running() {
        return scheduler.running();
    }

    /** Positions filled across all slots' caches, and their capacity. */
    public long[] cacheUsage() {
        long used = 0;
        long cap = 0;
        for (int i = 0; i < scheduler.slots(); i++) {
            KvCache cache = core.cache(i);
            if (scheduler.slot(i).sequence != null) {
                used += cache.length();
            }
            cap += cache.capacity();
        }
        return new long[] {used, cap};
    }

    /** Bytes of all slots' KV caches. */
    public long cacheBytes() {
        long sum = 0;
        for (int i = 0; i < scheduler.slots(); i++) {
            sum += core.cache(i).bytes();
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
        if (request.grammar() != null) {
            sampler.constrain(new GrammarConstraint(request.grammar(), tokenTrie.get(), endIds(request)));
        }
        Sequence seq = new Sequence(request, listener, handle, sampler, decoders.get());
        seq.adapter = adapter;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the engine is shut down");
            }
            scheduler.enqueue(seq);
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
            throw InvalidRequestException.contextLengthExceeded(p.length, options.contextSize(), "messages");
        }
        if (r.maxTokens() < 1) {
            throw new InvalidRequestException("max_tokens must be at least 1, got " + r.maxTokens(), "max_tokens");
        }
        if (r.grammar() != null && tokenTrie == null) {
            throw new InvalidRequestException("this engine was built without the tokenizer's token bytes, so it"
                    + " cannot follow a grammar", "grammar");
        }
        if (r.topLogprobs() > 20) {
            throw new InvalidRequestException("top_logprobs must be at most 20, got " + r.topLogprobs(), "top_logprobs");
        }
        return adapter;
    }

    /** The ids that may end a constrained generation: the model's end-of-turn ids and the request's. */
    private int[] endIds(GenerationRequest r) {
        int[] ids = Arrays.copyOf(eosIds, eosIds.length + r.stopTokens().length);
        System.arraycopy(r.stopTokens(), 0, ids, eosIds.length, r.stopTokens().length);
        return ids;
    }

    private void schedulerLoop() {
        while (true) {
            StepPlan plan;
            lock.lock();
            try {
                while (!scheduler.hasWork() && !closed) {
                    work.awaitUninterruptibly();
                }
                if (closed) {
                    // close() emptied the queue; running sequences end as cancelled at this step.
                    if (scheduler.running() == 0) {
                        return;
                    }
                    scheduler.cancelRunning();
                }
                plan = scheduler.schedule();
            } finally {
                lock.unlock();
            }
            try {
                core.execute(plan);
            } catch (Throwable t) {
                core.failRunning(t);
            }
        }
    }

    /** Stops taking requests, cancels waiting and running ones, then stops the thread. */
    @Override
    public void close() {
        List<Sequence> dropped;
        lock.lock();
        try {
            closed = true;
            dropped = scheduler.drainQueue();
            work.signal();
        } finally {
            lock.unlock();
        }
        for (Sequence s : dropped) {
            core.outputs.dropQueued(s);
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
