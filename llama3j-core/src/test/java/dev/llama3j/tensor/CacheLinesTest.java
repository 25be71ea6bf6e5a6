package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link CacheLines} finds where a float array's elements meet the cache lines. The tests run with
 * native access enabled (bin/jvm.options), so the address is known here: arrays of different lengths
 * land at different places, and each answer is an index in the first line.
 */
class CacheLinesTest {
    @Test
    void firstLineStartIsAnIndexInTheFirstLine() {
        boolean sawNonZero = false;
        float[][] keep = new float[64][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new float[1000 + i];
            int start = CacheLines.firstLineStart(keep[i]);
            assertTrue(start >= 0 && start < 16, "index " + start);
            sawNonZero |= start != 0;
        }
        // 8-byte object alignment: 64 arrays placed one after another cannot all start on a line.
        assertTrue(sawNonZero, "every array reported as starting on a cache line");
    }
}
