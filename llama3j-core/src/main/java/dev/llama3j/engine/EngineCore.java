package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;

/**
 * Carries out one step the {@link Scheduler} planned: finishes the cancelled sequences, writes the
 * plan's tokens into the batch, runs the forward pass, and hands each logits row to the
 * {@link OutputProcessor}; sequences that end leave their slots. No threads or locks, so tests can run
 * steps one by one with a fake {@link ForwardPass}.
 */
final class EngineCore {
    final Scheduler scheduler;
    final OutputProcessor outputs;
    private final ForwardPass forward;
    /** The KV cache of each scheduler slot, by slot index. */
    private final KvCache[] caches;
    private final Batch batch;
    private final float[] logits;
    private final int vocab;
    private final EngineMetrics metrics;

    EngineCore(Scheduler scheduler, OutputProcessor outputs, ForwardPass forward, KvCache[] caches, int batchTokens,
            int vocab, EngineMetrics metrics) {
        this.scheduler = scheduler;
        this.outputs = outputs;
        this.forward = forward;
        this.caches = caches;
        this.batch = new Batch(batchTokens);
        this.logits = new float[scheduler.slots() * vocab];
        this.vocab = vocab;
        this.metrics = metrics;
    }

    KvCache cache(int slot) {
        return caches[slot];
    }

    /** Runs a plan from {@link Scheduler#schedule}. */
    void execute(StepPlan plan) {
        for (Sequence s : plan.cancelled) {
            outputs.finish(s, FinishReason.CANCELLED);
        }
        if (plan.isEmpty()) {
            return;
        }
        batch.clear();
        for (int e = 0; e < plan.size(); e++) {
            Sequence s = plan.sequence(e);
            Slot slot = s.slot;
            KvCache cache = caches[slot.index];
            int start = plan.start(e);
            int end = start + plan.count(e);
            // A reused slot's cache forgets what follows the shared prefix.
            if (cache.length() > start) {
                cache.truncate(start);
            }
            for (int pos = start; pos < end; pos++) {
                batch.add(slot.tokens[pos], pos, cache, pos == end - 1 && plan.wantsLogits(e), s.adapter);
            }
        }
        forward.forward(batch, logits);
        metrics.forwardPasses.incrementAndGet();
        long now = System.nanoTime();
        for (int r = 0; r < plan.outputs(); r++) {
            Sequence s = plan.row(r);
            try {
                FinishReason done = outputs.accept(s, logits, r * vocab, now);
                if (done != null) {
                    scheduler.release(s);
                    outputs.finish(s, done);
                }
            } catch (RuntimeException e) {
                scheduler.release(s);
                outputs.fail(s, e);
            }
        }
    }

    /** Fails every running sequence after a step went wrong; their caches may be half-written: forgotten. */
    void failRunning(Throwable t) {
        for (int i = 0; i < caches.length; i++) {
            if (scheduler.slot(i).sequence != null) {
                caches[i].truncate(0);
            }
        }
        for (Sequence s : scheduler.releaseAllForgetting()) {
            outputs.fail(s, t);
        }
    }
}
