package dev.llama3j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one parallel loop at a time, sized to the cores. The calling thread
 * takes part, so a pool of {@code n} threads starts {@code n-1} workers. Workers spin briefly between
 * loops before parking: a token's forward pass is a few hundred short loops, and waking parked threads
 * for each would cost more than the work.
 *
 * <p>Not reentrant: one loop at a time (callers serialise on the model).
 */
public final class WorkerPool implements AutoCloseable {
    /** The body of a parallel loop: process the items {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPIN_ITERATIONS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private volatile boolean closed;
    private volatile RangeTask task;
    private volatile int total;
    private volatile int grain;
    /**
     * The counters the threads spin on or update in every loop, 128 bytes apart and at least 120
     * bytes from the array's ends, so that no other object shares their cache lines (or the line pairs
     * the adjacent-line prefetcher fetches together). As plain fields or AtomicIntegers they sat wherever
     * the collector had moved them, and a thread spinning on a line that the working thread also
     * writes (its scratch arrays, say) slows that thread down at every write (SPEED.md, finding 15).
     */
    private final AtomicLongArray sync = new AtomicLongArray(4 * SLOT);
    private static final int SLOT = 16;
    /** Bumped by the caller to start a loop (publishes task, total, grain, caller to the workers) or to close. */
    private static final int GENERATION = SLOT;
    /** The first item that no thread has taken yet. */
    private static final int NEXT_ITEM = 2 * SLOT;
    /** Workers that have not finished the current loop. */
    private static final int PENDING = 3 * SLOT;
    private volatile Throwable failure;
    private volatile Thread caller;
    /**
     * Workers that have stopped spinning and may be parked, and whether the caller may be: a thread
     * is unparked only then. {@code LockSupport.unpark} costs about 2 µs even when its thread is
     * spinning, paid at the start of each of a token's hundred-odd loops (0.5% of a 1B token).
     * Each side writes its own flag before reading the other's condition (both volatile), so a
     * sleeper is never missed: either it sees the new work, or the other side sees the flag.
     */
    private final AtomicInteger sleepingWorkers = new AtomicInteger();
    private volatile boolean callerSleeping;

    /**
     * Where the calling thread's time went since {@link #resetActivity()}: {@code sections} parallel
     * sections shared with the workers, {@code sectionNanos} inside them, of which {@code waitNanos}
     * waiting for the workers to finish their last chunks, and {@code aloneNanos} between two sections,
     * working alone (its serial steps, and loops too small to share) while the workers wait. Measured
     * by the caller's clock, unlike a sampling profiler, which counts a spinning worker as busy.
     */
    public record Activity(long sections, long sectionNanos, long waitNanos, long aloneNanos) {}

    // Written by the one thread that calls parallelFor at a time; read by it through activity().
    private long sections;
    private long sectionNanos;
    private long waitNanos;
    private long aloneNanos;
    /** When the last section ended; 0 before the first one since the reset. */
    private long lastSectionEnd;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "llama3j-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Threads in the pool, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into chunks of at least {@code minGrain} items, and
     * returns when all are done.
     */
    public void parallelFor(int n, int minGrain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= minGrain) {
            task.run(0, n);
            return;
        }
        int g = Math.max(1, minGrain);
        long start = System.nanoTime();
        this.task = task;
        this.total = n;
        this.grain = g;
        this.failure = null;
        this.caller = Thread.currentThread();
        sync.set(NEXT_ITEM, 0);
        sync.set(PENDING, workers.length);
        sync.getAndIncrement(GENERATION); // publishes the fields above to the workers
        if (sleepingWorkers.get() > 0) {
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
        }
        try {
            runChunks(task, n, g);
        } catch (RuntimeException | Error e) {
            // Stop the others after their current chunk, and wait for them before throwing: a worker
            // still in this loop would otherwise run into the next one.
            sync.set(NEXT_ITEM, n);
            failure = e;
        }
        long ownDone = System.nanoTime();
        int spins = 0;
        while (sync.get(PENDING) > 0) {
            if (++spins > SPIN_ITERATIONS) {
                callerSleeping = true;
                if (sync.get(PENDING) > 0) {
                    LockSupport.parkNanos(this, 50_000);
                }
                callerSleeping = false;
            } else {
                Thread.onSpinWait();
            }
        }
        this.task = null;
        account(start, ownDone, System.nanoTime());
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new RuntimeException(f);
        }
    }

    /**
     * Counts a section that began at {@code start}, whose caller ran out of chunks at {@code ownDone},
     * and that ended at {@code end}.
     */
    private void account(long start, long ownDone, long end) {
        if (lastSectionEnd != 0) {
            aloneNanos += start - lastSectionEnd;
        }
        sections++;
        sectionNanos += end - start;
        waitNanos += end - ownDone;
        lastSectionEnd = end;
    }

    /** The calling thread's {@link Activity} since the last {@link #resetActivity()}. */
    public Activity activity() {
        return new Activity(sections, sectionNanos, waitNanos, aloneNanos);
    }

    /** Starts a new {@link Activity}: the time before the next section does not count as alone. */
    public void resetActivity() {
        sections = 0;
        sectionNanos = 0;
        waitNanos = 0;
        aloneNanos = 0;
        lastSectionEnd = 0;
    }

    /**
     * Takes chunks until none are left. Each is a share of what remains ({@code 1 / (2 × threads)},
     * at least {@code g} items), so chunks start large and end small: the threads finish within about
     * one small chunk of each other. With equal chunks of an eighth, the caller waited 10-30 µs at the
     * end of each of a 1B token's 113 products (1.7 ms of a 24 ms token).
     */
    private void runChunks(RangeTask t, int n, int g) {
        int parts = 2 * threads;
        while (true) {
            int start = (int) sync.get(NEXT_ITEM);
            if (start >= n) {
                return;
            }
            int size = Math.min(n - start, Math.max(g, (n - start) / parts));
            if (sync.compareAndSet(NEXT_ITEM, start, start + size)) {
                t.run(start, start + size);
            }
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (sync.get(GENERATION) == seen) {
                if (++spins > SPIN_ITERATIONS) {
                    sleepingWorkers.incrementAndGet();
                    if (sync.get(GENERATION) == seen) {
                        LockSupport.park(this);
                    }
                    sleepingWorkers.decrementAndGet();
                } else {
                    Thread.onSpinWait();
                }
            }
            if (closed) {
                return;
            }
            seen = sync.get(GENERATION);
            try {
                runChunks(task, total, grain);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (sync.decrementAndGet(PENDING) == 0 && callerSleeping) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        sync.getAndIncrement(GENERATION); // the workers spin on the generation alone: wake them to see closed
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
