package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.train.LearningRateSchedule.Kind;
import org.junit.jupiter.api.Test;

/** Values worked out from transformers' schedule formulas (optimization.py) for lr 2e-4, 10 steps, warmup 2. */
class LearningRateScheduleTest {
    private static final double LR = 2e-4;

    @Test
    void constantWithWarmup() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.CONSTANT, LR, 2, 10);
        assertEquals(0.0, s.at(0));
        assertEquals(1e-4, s.at(1), 1e-18);
        for (int k = 2; k < 10; k++) {
            assertEquals(LR, s.at(k), 1e-18);
        }
    }

    @Test
    void linearDecaysToZeroAfterWarmup() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.LINEAR, LR, 2, 10);
        // λ(k) = k/2 for k < 2, then (10 - k) / 8
        double[] expected = {0, 0.5, 1, 7 / 8.0, 6 / 8.0, 5 / 8.0, 4 / 8.0, 3 / 8.0, 2 / 8.0, 1 / 8.0, 0};
        for (int k = 0; k <= 10; k++) {
            assertEquals(LR * expected[k], s.at(k), 1e-18, "step " + k);
        }
    }

    @Test
    void cosineHalfPeriodToZero() {
        LearningRateSchedule s = new LearningRateSchedule(Kind.COSINE, LR, 2, 10);
        assertEquals(0.0, s.at(0));
        assertEquals(LR / 2, s.at(1), 1e-18);
        assertEquals(LR, s.at(2), 1e-18);
        // progress (k - 2) / 8; λ = (1 + cos(π·progress)) / 2: at k = 6 a half, at k = 4 (1 + √½)/2
        assertEquals(LR * 0.5, s.at(6), 1e-15);
        assertEquals(LR * (1 + Math.sqrt(0.5)) / 2, s.at(4), 1e-15);
        assertEquals(LR * (1 + Math.cos(Math.PI * 7 / 8)) / 2, s.at(9), 1e-15);
        assertEquals(0.0, s.at(10), 1e-18);
    }

    @Test
    void noWarmupStartsAtThePeak() {
        assertEquals(LR, new LearningRateSchedule(Kind.LINEAR, LR, 0, 4).at(0));
        assertEquals(LR / 4, new LearningRateSchedule(Kind.LINEAR, LR, 0, 4).at(3), 1e-18);
    }

    @Test
    void warmupAsStepsOrRatio() {
        assertEquals(3, LearningRateSchedule.warmupSteps(3, 100));
        assertEquals(2, LearningRateSchedule.warmupSteps(0.05, 30), "ceil(0.05 · 30), as warmup_ratio rounds");
        assertEquals(0, LearningRateSchedule.warmupSteps(0, 100));
        assertThrows(InvalidRequestException.class, () -> LearningRateSchedule.warmupSteps(2.5, 100));
        assertThrows(InvalidRequestException.class, () -> LearningRateSchedule.warmupSteps(-1, 100));
    }

    @Test
    void badSettingsAreRefusedByName() {
        var e = assertThrows(InvalidRequestException.class, () -> Kind.parse("exponential"));
        assertTrue(e.getMessage().contains("unknown scheduler 'exponential'"), e.getMessage());
        assertEquals("lr", assertThrows(InvalidRequestException.class,
                () -> new LearningRateSchedule(Kind.LINEAR, 0, 0, 10)).param());
        assertEquals("max-steps", assertThrows(InvalidRequestException.class,
                () -> new LearningRateSchedule(Kind.LINEAR, LR, 0, 0)).param());
    }
}
