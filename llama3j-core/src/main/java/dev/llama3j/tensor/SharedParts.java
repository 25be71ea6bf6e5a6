package dev.llama3j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A job cut into parts that every thread which needs its result helps with: each caller of
 * {@link #run} takes parts not yet taken until none is left, then waits for the parts others took,
 * and returns when the whole job is done. {@link MatmulInput} makes its packed and paired forms so,
 * a tile of tokens a part: made by the first caller alone while the other waited, the packing was
 * about 2% of a 512-token prompt's samples on two threads.
 */
final class SharedParts {
    private Object job;
    private int parts;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    /**
     * Set when a caller's part threw: the others stop waiting for the parts it would have finished
     * (they would spin for ever, and the worker pool with them) and throw too.
     */
    private volatile boolean failed;

    /**
     * Starts {@code job} of {@code parts} parts unless it is the job already started (equal), and
     * says whether it started it; the caller holds the lock of the object whose form the job makes.
     */
    boolean start(Object job, int parts) {
        if (job.equals(this.job)) {
            return false;
        }
        this.job = job;
        this.parts = parts;
        next.set(0);
        done.set(0);
        failed = false;
        return true;
    }

    /** Forgets the job, so that the next {@link #start} starts it again (the data changed). */
    void reset() {
        job = null;
    }

    /** Runs parts of the started job with {@code part} until none is left, then waits until all are done. */
    void run(int parts, IntConsumer part) {
        for (int p; (p = next.getAndIncrement()) < parts; ) {
            try {
                part.accept(p);
            } catch (RuntimeException | Error e) {
                failed = true; // until the job starts again: later callers of this one throw too
                throw e;
            }
            done.incrementAndGet(); // publishes this part to the callers that wait below
        }
        while (done.get() < parts) {
            if (failed) {
                throw new IllegalStateException("preparing this input for the kernels failed in another thread");
            }
            Thread.onSpinWait(); // for at most one part another caller is making
        }
    }

    /** The parts of the job started last. */
    int parts() {
        return parts;
    }
}
