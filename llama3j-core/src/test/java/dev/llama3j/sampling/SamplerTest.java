package dev.llama3j.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[] logits(float... v) {
        return v.clone();
    }

    @Test
    void greedyTakesTheLargest() {
        Sampler s = new Sampler(SamplingParams.greedy(), 4, new int[0]);
        assertEquals(2, s.sample(logits(1, 2, 5, 3), 0));
    }

    @Test
    void sameSeedSameDraws() {
        SamplingParams p = SamplingParams.defaults().withSeed(7L);
        float[] base = new float[1000];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) Math.sin(i) * 3;
        }
        int[] a = new int[50];
        int[] b = new int[50];
        Sampler s1 = new Sampler(p, base.length, new int[0]);
        Sampler s2 = new Sampler(p, base.length, new int[0]);
        for (int i = 0; i < 50; i++) {
            a[i] = s1.sample(base.clone(), 0);
            b[i] = s2.sample(base.clone(), 0);
        }
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    }

    @Test
    void topKOneIsGreedy() {
        Sampler s = new Sampler(SamplingParams.defaults().withTopK(1).withSeed(1L), 5, new int[0]);
        for (int i = 0; i < 20; i++) {
            assertEquals(3, s.sample(logits(0, 1, 2, 4, 3), 0));
        }
    }

    @Test
    void topPKeepsTheNucleus() {
        // Probabilities ~ 0.64, 0.24, 0.09, 0.03: top_p 0.8 keeps the first two only.
        float[] l = {(float) Math.log(64), (float) Math.log(24), (float) Math.log(9), (float) Math.log(3)};
        Sampler s = new Sampler(SamplingParams.defaults().withTopP(0.8f).withSeed(3L), 4, new int[0]);
        boolean[] hit = new boolean[4];
        for (int i = 0; i < 2000; i++) {
            hit[s.sample(l.clone(), 0)] = true;
        }
        assertTrue(hit[0] && hit[1]);
        assertTrue(!hit[2] && !hit[3]);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        float[] l = {(float) Math.log(50), (float) Math.log(40), (float) Math.log(10)};
        Sampler s = new Sampler(SamplingParams.defaults().withMinP(0.5f).withSeed(3L), 3, new int[0]);
        for (int i = 0; i < 500; i++) {
            assertTrue(s.sample(l.clone(), 0) != 2);
        }
    }

    @Test
    void penaltiesPushDownRepeats() {
        Sampler s = new Sampler(SamplingParams.greedy().withRepetitionPenalty(2f), 3, new int[] {0});
        assertEquals(1, s.sample(logits(4, 3, 1), 0)); // 4/2 = 2 < 3
        Sampler f = new Sampler(SamplingParams.greedy().withFrequencyPenalty(1f), 3, new int[0]);
        f.accept(0);
        f.accept(0);
        assertEquals(1, f.sample(logits(4, 3, 1), 0)); // 4 - 2 < 3
        Sampler pr = new Sampler(SamplingParams.greedy().withPresencePenalty(1.5f), 3, new int[0]);
        pr.accept(0);
        assertEquals(1, pr.sample(logits(4, 3, 1), 0));
    }

    @Test
    void rawLogitIsTheValueBeforePenalties() {
        // Token 0 is in the prompt and was generated: both penalties rewrite it, yet it still wins.
        Sampler s = new Sampler(SamplingParams.greedy().withRepetitionPenalty(1.5f).withFrequencyPenalty(0.5f), 3,
                new int[] {0});
        s.accept(0);
        float[] row = logits(9, 3, 1);
        assertEquals(0, s.sample(row, 0));
        assertEquals(9f, s.rawLogit(row, 0, 0));
        // A token no penalty touched reads straight from the row.
        assertEquals(3f, s.rawLogit(row, 0, 1));
        // Without penalties nothing is rewritten or saved.
        Sampler plain = new Sampler(SamplingParams.greedy(), 3, new int[] {0});
        float[] row2 = logits(9, 3, 1);
        assertEquals(0, plain.sample(row2, 0));
        assertEquals(9f, plain.rawLogit(row2, 0, 0));
    }

    @Test
    void badParametersAreNamed() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SamplingParams.defaults().withTopP(0f));
        assertEquals("top_p", e.param());
        assertThrows(InvalidRequestException.class, () -> SamplingParams.defaults().withTemperature(-1f));
    }
}
