package dev.llama3j.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides what each engine step computes, and nothing else: no model, no threads, no listeners, so
 * tests can drive it step by step. It owns the waiting queue (with its capacity) and the slots; each
 * {@link #schedule} admits queued requests into free slots (the slot with the longest reusable
 * prefix), takes cancelled sequences out, then plans the step: every generating sequence feeds its
 * next token first, and the remaining token budget goes to prompts, shortest remaining prompt first,
 * at most {@code busyPrefillTokens} of them while anyone is generating so that long prompts do not
 * stall running streams.
 *
 * <p>Not thread-safe: the engine calls {@link #enqueue}, {@link #queued} and {@link #drainQueue}
 * under its lock, and everything else from its scheduler thread only.
 */
final class Scheduler {
    /** Shortest remaining prompt first: a short request is not kept waiting behind a long one. */
    private static final Comparator<Sequence> SHORTEST_PROMPT_FIRST =
            Comparator.comparingInt(Sequence::remainingPrompt);

    private final Slot[] slots;
    private final int batchTokens;
    private final int busyPrefillTokens;
    private final int queueCapacity;
    private final EngineMetrics metrics;
    private final ArrayDeque<Sequence> queue = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final List<Sequence> prefill = new ArrayList<>();
    private final StepPlan plan;
    private volatile int runningCount;

    /**
     * @param batchTokens the most tokens one forward pass takes
     * @param metrics where admissions and rejections are counted
     */
    Scheduler(EngineOptions options, int batchTokens, EngineMetrics metrics) {
        this.slots = new Slot[options.parallel()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i, options.contextSize());
        }
        this.batchTokens = batchTokens;
        this.busyPrefillTokens = options.busyPrefillTokens();
        this.queueCapacity = options.queueCapacity();
        this.metrics = metrics;
        this.plan = new StepPlan(slots.length);
    }

    /**
     * Adds a request to the waiting queue.
     *
     * @throws EngineOverloadedException when the queue is full
     */
    void enqueue(Sequence s) {
        if (queue.size() >= queueCapacity) {
            metrics.requestsRejected.incrementAndGet();
            throw new EngineOverloadedException("the server is busy: " + queue.size()
                    + " requests are waiting; try again shortly");
        }
        metrics.requests.incrementAndGet();
        queue.add(s);
    }

    /** Requests waiting for a slot. */
    int queued() {
        return queue.size();
    }

    /** Sequences in slots now; safe to read from any thread. */
    int running() {
        return runningCount;
    }

    /** Whether a step has anything to do: sequences running or waiting. */
    boolean hasWork() {
        return !running.isEmpty() || !queue.isEmpty();
    }

    /** Empties the waiting queue, returning what was in it (at shutdown). */
    List<Sequence> drainQueue() {
        List<Sequence> out = new ArrayList<>(queue);
        queue.clear();
        return out;
    }

    /** Asks every running sequence to stop; the next {@link #schedule} takes them out (at shutdown). */
    void cancelRunning() {
        for (Sequence s : running) {
            s.handle.cancel();
        }
    }

    Slot slot(int i) {
        return slots[i];
    }

    int slots() {
        return slots.length;
    }

    /** The plan of the next step; valid until the next call. */
    StepPlan schedule() {
        plan.clear();
        admit();
        // Cancelled sequences leave before the pass.
        for (Sequence s : running) {
            if (s.handle.isCancelled()) {
                plan.cancelled.add(s);
            }
        }
        for (Sequence s : plan.cancelled) {
            release(s);
        }
        for (Sequence s : running) {
            if (!s.inPrefill()) {
                int pos = s.position();
                s.slot.tokens[pos] = s.pendingToken;
                s.slot.cached = pos + 1;
                plan.addDecode(s, pos);
            }
        }
        int budget = batchTokens - plan.tokens();
        if (plan.decodes() > 0) {
            budget = Math.min(budget, busyPrefillTokens);
        }
        prefill.clear();
        for (Sequence s : running) {
            if (s.inPrefill()) {
                prefill.add(s);
            }
        }
        prefill.sort(SHORTEST_PROMPT_FIRST);
        for (int i = 0; i < prefill.size() && budget > 0; i++) {
            Sequence s = prefill.get(i);
            int[] prompt = s.request.prompt();
            int start = s.promptPos;
            int take = Math.min(budget, prompt.length - start);
            System.arraycopy(prompt, start, s.slot.tokens, start, take);
            s.promptPos += take;
            s.slot.cached = s.promptPos;
            plan.addPrefill(s, start, take, s.promptPos == prompt.length);
            budget -= take;
        }
        prefill.clear();
        return plan;
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
            best.cached = reuse;
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

    /** Takes a sequence out of its slot; the slot keeps its cached tokens for prefix reuse. */
    void release(Sequence s) {
        if (s.slot != null) {
            s.slot.sequence = null;
            s.slot = null;
        }
        running.remove(s);
        runningCount = running.size();
    }

    /**
     * Takes every running sequence out, forgetting their slots' cached tokens (after a failed pass
     * the caches may be half-written); returns them.
     */
    List<Sequence> releaseAllForgetting() {
        List<Sequence> out = new ArrayList<>(running);
        for (Sequence s : out) {
            s.slot.cached = 0;
            release(s);
        }
        return out;
    }
}
