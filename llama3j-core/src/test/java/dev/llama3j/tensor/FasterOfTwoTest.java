package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The choice between a {@link TwoLayoutMatrix}'s layouts, fed made-up times (no clock). */
class FasterOfTwoTest {
    /** Runs {@code calls} calls where way 0 takes {@code zero} ns and way 1 {@code one}; returns how many took way 1. */
    private static int run(FasterOfTwo c, int calls, long zero, long one) {
        int ones = 0;
        for (int i = 0; i < calls; i++) {
            int way = c.next();
            ones += way;
            c.record(way, way == 0 ? zero : one);
        }
        return ones;
    }

    @Test
    void theWarmUpAlternatesAndItsFirstTimesDoNotCount() {
        FasterOfTwo c = new FasterOfTwo();
        for (int i = 0; i < FasterOfTwo.WARM_UP; i++) {
            int way = c.next();
            assertEquals(i & 1, way, "call " + i);
            // The interpreter's first calls are slow: way 0's, then way 1's at the end of the warm-up.
            c.record(way, i < 2 ? 1_000_000_000L : way == 0 ? 9_000_000L : 7_000_000L);
        }
        assertEquals(1, c.chosen(), "way 1 was faster once both were compiled");
    }

    @Test
    void theFasterWayTakesAllButOneCallInSixteen() {
        FasterOfTwo c = new FasterOfTwo();
        run(c, FasterOfTwo.WARM_UP, 8_000_000L, 6_000_000L);
        assertEquals(1, c.chosen());
        int ones = run(c, 160, 8_000_000L, 6_000_000L);
        assertEquals(160 - 160 / FasterOfTwo.EXPLORE, ones, "way 0 is tried once every " + FasterOfTwo.EXPLORE);
    }

    @Test
    void whenTheOtherWayBecomesFasterTheChoiceFollows() {
        FasterOfTwo c = new FasterOfTwo();
        run(c, 64, 8_000_000L, 6_000_000L);
        assertEquals(1, c.chosen());
        // The memory got fast: way 0 (more bytes, fewer instructions) now takes 5 ms. Its estimate is
        // only refreshed when explored, so the switch comes within a few explorations.
        run(c, 3 * FasterOfTwo.EXPLORE, 5_000_000L, 6_000_000L);
        assertEquals(0, c.chosen());
        run(c, 3 * FasterOfTwo.EXPLORE, 9_000_000L, 6_000_000L);
        assertEquals(1, c.chosen());
    }

    @Test
    void oneSlowCallDoesNotDecide() {
        FasterOfTwo c = new FasterOfTwo();
        run(c, 64, 8_000_000L, 6_000_000L);
        int way = c.next();
        c.record(way, 9_000_000L); // one slow call of the chosen way: (6 + 9) / 2 = 7.5 ms, still ahead of 8
        assertEquals(1, c.chosen());
    }
}
