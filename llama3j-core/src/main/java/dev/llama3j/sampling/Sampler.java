package dev.llama3j.sampling;

import dev.llama3j.grammar.GrammarConstraint;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses next tokens for one sequence: penalties, then temperature, top-k, top-p, min-p, and a
 * seeded draw (llama.cpp's order). Keeps the sequence's token counts for the penalties and its own
 * random stream, so the same seed gives the same output. Buffers are allocated once per sampler.
 *
 * <p>With a grammar ({@link #constrain}) only tokens the grammar allows can be chosen. As llama.cpp's
 * sampler does, the pick is made first without the grammar and checked (one token's bytes); only when
 * the grammar rejects it are the disallowed tokens masked out and the pick made again. That is
 * rejection sampling: the result follows the model's distribution restricted to the allowed tokens,
 * and most steps never compute the whole mask.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private final int vocab;
    /** Occurrences of each token among the generated tokens (frequency/presence penalties). */
    private final int[] generatedCounts;
    /** Whether a token occurs in the prompt or the output (repetition penalty). */
    private final boolean[] seen;
    private final float[] probs;
    /** Logits as they were before {@link #applyPenalties} changed them; read for penalised ids only. */
    private float[] unpenalized;
    private int[] candidates;
    private long[] sortKeys;
    /** The grammar the output must follow, or null; with its mask buffer (one bit per token id). */
    private GrammarConstraint grammar;
    private long[] allowed;

    public Sampler(SamplingParams params, int vocab, int[] prompt) {
        this.params = params;
        this.vocab = vocab;
        this.random = new SplittableRandom(params.seed() != null ? params.seed() : System.nanoTime());
        this.generatedCounts = new int[vocab];
        this.seen = new boolean[vocab];
        this.probs = new float[vocab];
        this.candidates = new int[256];
        this.sortKeys = new long[256];
        for (int t : prompt) {
            if (t >= 0 && t < vocab) {
                seen[t] = true;
            }
        }
    }

    public SamplingParams params() {
        return params;
    }

    /** From now on only tokens {@code constraint} allows are chosen; {@link #accept} moves it on. */
    public void constrain(GrammarConstraint constraint) {
        this.grammar = constraint;
        this.allowed = new long[constraint.maskWords()];
    }

    /** Whether the grammar's sentence is complete and nothing may follow it (false without a grammar). */
    public boolean grammarMustEnd() {
        return grammar != null && grammar.mustEnd();
    }

    /** Records a token that was chosen (by this sampler or forced). */
    public void accept(int token) {
        generatedCounts[token]++;
        seen[token] = true;
        if (grammar != null) {
            grammar.accept(token);
        }
    }

    /**
     * Picks the next token from {@code logits[off .. off+vocab)}; the logits are modified in place
     * (penalties applied), so a caller that wants log-probabilities reads them before, or asks
     * {@link #rawLogit} for the chosen token's.
     */
    public int sample(float[] logits, int off) {
        applyPenalties(logits, off);
        int token = pick(logits, off);
        if (grammar == null || grammar.isAllowed(token)) {
            return token;
        }
        grammar.allowed(allowed);
        boolean any = false;
        for (int i = 0; i < vocab; i++) {
            if ((allowed[i >>> 6] & 1L << i) == 0) {
                logits[off + i] = Float.NEGATIVE_INFINITY;
            } else {
                any = true;
            }
        }
        if (!any) {
            throw new IllegalStateException("the grammar allows no token here");
        }
        return pick(logits, off);
    }

    /** The draw itself, over logits already penalised (and masked, on a grammar's second try). */
    private int pick(float[] logits, int off) {
        if (params.isGreedy()) {
            return argmax(logits, off);
        }
        float invT = 1f / params.temperature();
        float max = logits[off + argmax(logits, off)];
        // Softmax over all tokens at the temperature.
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            float p = (float) Math.exp((logits[off + i] - max) * invT);
            probs[i] = p;
            sum += p;
        }
        float inv = (float) (1 / sum);
        for (int i = 0; i < vocab; i++) {
            probs[i] *= inv;
        }
        int n = selectCandidates();
        // Draw from the candidates, renormalised.
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += probs[candidates[i]];
        }
        double r = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[candidates[i]];
            if (r < acc) {
                return candidates[i];
            }
        }
        return candidates[n - 1];
    }

    /**
     * Applies top-k, top-p and min-p: fills {@code candidates} with the surviving tokens, most
     * probable first, and returns how many survive. Only tokens above a probability floor are sorted;
     * the floor is lowered until it provably holds the whole nucleus.
     */
    private int selectCandidates() {
        float pMax = 0;
        for (int i = 0; i < vocab; i++) {
            pMax = Math.max(pMax, probs[i]);
        }
        float minPFloor = params.minP() * pMax;
        float floor = Math.max(pMax * 1e-4f, minPFloor);
        int k = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        while (true) {
            int n = gatherAbove(floor);
            sortByProbability(n);
            int keep = Math.min(n, k);
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += probs[candidates[i]];
                if (cum >= params.topP()) {
                    return i + 1; // every token left out is less probable than these
                }
            }
            // The nucleus is not complete yet: stop only where top-k, min-p or the vocabulary ends it.
            if (keep == k || n == vocab || floor <= minPFloor || floor == 0f) {
                return Math.max(keep, 1);
            }
            floor = Math.max(minPFloor, floor > 1e-30f ? floor * 1e-3f : 0f);
        }
    }

    private int gatherAbove(float floor) {
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (probs[i] >= floor) {
                if (n == candidates.length) {
                    candidates = Arrays.copyOf(candidates, n * 2);
                    sortKeys = new long[n * 2];
                }
                candidates[n++] = i;
            }
        }
        return n;
    }

    /** Sorts the first {@code n} candidates by probability, descending, ties by token id. */
    private void sortByProbability(int n) {
        if (sortKeys.length < n) {
            sortKeys = new long[candidates.length];
        }
        for (int i = 0; i < n; i++) {
            int id = candidates[i];
            // Non-negative floats order like their bit patterns; invert so ascending sort = descending p.
            long key = ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(probs[id])) << 32) | id;
            sortKeys[i] = key;
        }
        Arrays.sort(sortKeys, 0, n);
        for (int i = 0; i < n; i++) {
            candidates[i] = (int) sortKeys[i];
        }
    }

    /**
     * The logit {@code token} had in {@code logits[off ..]} before {@link #sample} applied penalties
     * to that row (for its log-probability under the model), without the caller copying the row.
     * Call it after {@code sample} and before {@link #accept}.
     */
    public float rawLogit(float[] logits, int off, int token) {
        return isPenalized(token) ? unpenalized[token] : logits[off + token];
    }

    private boolean hasPenalties() {
        return params.repetitionPenalty() != 1f || params.frequencyPenalty() != 0f || params.presencePenalty() != 0f;
    }

    /** Whether {@link #applyPenalties} changes this token's logit (in the state before {@link #accept}). */
    private boolean isPenalized(int token) {
        return hasPenalties() && ((params.repetitionPenalty() != 1f && seen[token]) || generatedCounts[token] > 0);
    }

    private void applyPenalties(float[] logits, int off) {
        float rep = params.repetitionPenalty();
        float freq = params.frequencyPenalty();
        float pres = params.presencePenalty();
        if (!hasPenalties()) {
            return;
        }
        if (unpenalized == null) {
            unpenalized = new float[vocab];
        }
        for (int i = 0; i < vocab; i++) {
            boolean repeated = rep != 1f && seen[i];
            int c = generatedCounts[i];
            if (repeated || c > 0) {
                unpenalized[i] = logits[off + i];
            }
            if (repeated) {
                float l = logits[off + i];
                logits[off + i] = l > 0 ? l / rep : l * rep;
            }
            if (c > 0) {
                logits[off + i] -= freq * c + pres;
            }
        }
    }

    private int argmax(float[] logits, int off) {
        int best = 0;
        float bestValue = logits[off];
        for (int i = 1; i < vocab; i++) {
            if (logits[off + i] > bestValue) {
                bestValue = logits[off + i];
                best = i;
            }
        }
        return best;
    }
}
