package dev.llama3j.train;

import dev.llama3j.model.LlamaConfig;
import dev.llama3j.tensor.WorkerPool;

/**
 * Causal grouped-query attention over one sequence, forward and backward, fp32, as Hugging Face's
 * eager attention computes it: {@code P = softmax(q·kᵀ / sqrt(headDim))} over positions {@code ≤ t},
 * {@code o = P·v}. The forward keeps each row's log-sum-exp instead of {@code P}; backward recomputes
 * {@code P} from it (the memory of a row of scores per query, not a {@code tokens²} matrix per head).
 *
 * <p>Backward in two passes so that no two workers write the same value: queries' gradients per
 * (head, position), then keys' and values' per (key/value head, position), each summing over the
 * query heads that share it.
 */
final class TrainingAttention {
    private final WorkerPool pool;
    private final int heads;
    private final int kvHeads;
    private final int group;
    private final int hd;
    private final float scale;
    private final float[] rowDot; // Σ dO·O per (position, head)
    private final ThreadLocal<float[]> scores;

    TrainingAttention(LlamaConfig c, WorkerPool pool, int maxTokens) {
        this.pool = pool;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.group = c.groupSize();
        this.hd = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(hd));
        this.rowDot = new float[maxTokens * heads];
        this.scores = ThreadLocal.withInitial(() -> new float[maxTokens]);
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        return DotProduct.dot(a, aOff, b, bOff, len);
    }

    /** {@code out} ({@code n × heads·hd}) and {@code lse} ({@code n × heads}) from rotated q, k and v. */
    void forward(int n, float[] q, float[] k, float[] v, float[] out, float[] lse) {
        int qDim = heads * hd;
        int kvDim = kvHeads * hd;
        pool.parallelFor(n * heads, 1, (i0, i1) -> {
            float[] s = scores.get();
            for (int item = i0; item < i1; item++) {
                int t = item / heads;
                int h = item % heads;
                int g = h / group;
                int qo = t * qDim + h * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    float sc = dot(q, qo, k, j * kvDim + g * hd, hd) * scale;
                    s[j] = sc;
                    max = Math.max(max, sc);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) {
                    float e = (float) Math.exp(s[j] - max);
                    s[j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                java.util.Arrays.fill(out, qo, qo + hd, 0f);
                for (int j = 0; j <= t; j++) {
                    float p = s[j] * inv;
                    int vo = j * kvDim + g * hd;
                    for (int d = 0; d < hd; d++) {
                        out[qo + d] += p * v[vo + d];
                    }
                }
                lse[t * heads + h] = max + (float) Math.log(sum);
            }
        });
    }

    /**
     * Gradients of q, k and v (written, not added) from {@code dOut}, given the forward's inputs,
     * output and log-sum-exps. With {@code D = dO·o}: {@code dS = P ∘ (dO·vᵀ − D)},
     * {@code dq = dS·k / sqrt(hd)}, {@code dk = dSᵀ·q / sqrt(hd)}, {@code dv = Pᵀ·dO}.
     */
    void backward(int n, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dOut, float[] dq,
            float[] dk, float[] dv) {
        int qDim = heads * hd;
        int kvDim = kvHeads * hd;
        pool.parallelFor(n * heads, 16, (i0, i1) -> {
            for (int item = i0; item < i1; item++) {
                int t = item / heads;
                int h = item % heads;
                int qo = t * qDim + h * hd;
                rowDot[item] = dot(dOut, qo, out, qo, hd);
            }
        });
        pool.parallelFor(n * heads, 1, (i0, i1) -> {
            for (int item = i0; item < i1; item++) {
                int t = item / heads;
                int h = item % heads;
                int g = h / group;
                int qo = t * qDim + h * hd;
                float l = lse[item];
                float dd = rowDot[item];
                java.util.Arrays.fill(dq, qo, qo + hd, 0f);
                for (int j = 0; j <= t; j++) {
                    int ko = j * kvDim + g * hd;
                    float p = (float) Math.exp(dot(q, qo, k, ko, hd) * scale - l);
                    float ds = p * (dot(dOut, qo, v, ko, hd) - dd) * scale;
                    for (int d = 0; d < hd; d++) {
                        dq[qo + d] += ds * k[ko + d];
                    }
                }
            }
        });
        pool.parallelFor(n * kvHeads, 1, (i0, i1) -> {
            for (int item = i0; item < i1; item++) {
                int j = item / kvHeads;
                int g = item % kvHeads;
                int ko = j * kvDim + g * hd;
                java.util.Arrays.fill(dk, ko, ko + hd, 0f);
                java.util.Arrays.fill(dv, ko, ko + hd, 0f);
                for (int hh = 0; hh < group; hh++) {
                    int h = g * group + hh;
                    for (int t = j; t < n; t++) {
                        int qo = t * qDim + h * hd;
                        int row = t * heads + h;
                        float p = (float) Math.exp(dot(q, qo, k, ko, hd) * scale - lse[row]);
                        float ds = p * (dot(dOut, qo, v, ko, hd) - rowDot[row]) * scale;
                        for (int d = 0; d < hd; d++) {
                            dv[ko + d] += p * dOut[qo + d];
                            dk[ko + d] += ds * q[qo + d];
                        }
                    }
                }
            }
        });
    }
}
