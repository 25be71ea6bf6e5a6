package dev.llama3j.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counters and latency histograms of an engine, for {@code /metrics} and benchmarks. */
public final class EngineMetrics {
    /** Histogram bucket upper bounds in seconds (Prometheus {@code le}). */
    public static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    public final AtomicLong requests = new AtomicLong();
    public final AtomicLong requestsFinished = new AtomicLong();
    public final AtomicLong requestsCancelled = new AtomicLong();
    public final AtomicLong requestsFailed = new AtomicLong();
    public final AtomicLong requestsRejected = new AtomicLong();
    public final AtomicLong promptTokens = new AtomicLong();
    public final AtomicLong cachedPromptTokens = new AtomicLong();
    public final AtomicLong generatedTokens = new AtomicLong();
    public final AtomicLong forwardPasses = new AtomicLong();
    public final Histogram timeToFirstToken = new Histogram();
    public final Histogram interTokenLatency = new Histogram();

    /** A cumulative histogram over {@link #BUCKETS}. */
    public static final class Histogram {
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length + 1);
        private final AtomicLong sumMicros = new AtomicLong();

        public void observe(double seconds) {
            int i = 0;
            while (i < BUCKETS.length && seconds > BUCKETS[i]) {
                i++;
            }
            counts.incrementAndGet(i);
            sumMicros.addAndGet((long) (seconds * 1e6));
        }

        /** Observations at or below bucket {@code i}'s bound ({@code i == BUCKETS.length}: all). */
        public long cumulative(int i) {
            long c = 0;
            for (int j = 0; j <= i; j++) {
                c += counts.get(j);
            }
            return c;
        }

        public long count() {
            return cumulative(BUCKETS.length);
        }

        public double sumSeconds() {
            return sumMicros.get() / 1e6;
        }
    }
}
