package dev.llama3j.tensor;

/**
 * Which of two ways of doing the same work to take next, by how long each took lately: the two
 * layouts of a {@link TwoLayoutMatrix}. The first {@link #WARM_UP} calls alternate; after them the
 * way with the shorter estimate is taken, and every {@link #EXPLORE}th call the other, so that its
 * estimate follows the machine (whose memory is fast or slow by the minute: docs/SPEED.md, findings
 * 40 and 45). An estimate is the mean of its way's last time and its estimate before, so one slow
 * call does not decide. For one thread at a time; no allocation.
 */
final class FasterOfTwo {
    /** Calls that alternate the two ways before any choice: the JIT compiles both kernels in them. */
    static final int WARM_UP = 8;
    /** After the warm-up, one call in this many takes the way not chosen. */
    static final int EXPLORE = 16;

    private final long[] estimate = new long[2];
    private int calls;
    private int chosen;

    /** The way (0 or 1) the next call takes; {@link #record} it afterwards. */
    int next() {
        int c = calls++;
        if (c < WARM_UP) {
            return c & 1;
        }
        return c % EXPLORE == 0 ? 1 - chosen : chosen;
    }

    /** Records that way {@code way} took {@code nanos}. */
    void record(int way, long nanos) {
        long e = estimate[way];
        // During the warm-up (which alternates, so it sets both estimates) the latest time replaces
        // the estimate: the first calls run before the JIT.
        estimate[way] = calls <= WARM_UP ? nanos : (e + nanos) >> 1;
        if (calls >= WARM_UP) {
            chosen = estimate[0] <= estimate[1] ? 0 : 1;
        }
    }

    /** The way taken outside exploration, once the warm-up is over (0 before). */
    int chosen() {
        return chosen;
    }
}
