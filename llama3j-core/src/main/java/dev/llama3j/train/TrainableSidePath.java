package dev.llama3j.train;

import dev.llama3j.tensor.WorkerPool;

/**
 * A LoRA side path over {@code n} tokens, forward and backward, as PEFT's {@code lora.Linear} in
 * training: {@code y += s · B(A(dropout(x)))} with {@code s = alpha / rank}. Backward adds to the
 * gradients of A and B and to {@code dx}; {@code low = A·dropout(x)} from the forward is reused.
 *
 * <p>Dropout (inverted, like {@code nn.Dropout}: kept values scaled by {@code 1/(1-p)}) draws each
 * value's mask from a hash of (seed, call, layer, projection, index), so backward, and a
 * checkpointed recomputation, regenerate the same mask without storing it.
 */
final class TrainableSidePath {
    private final WorkerPool pool;
    private final int rank;
    private final float scale;
    private final float dropout;
    private final float keepScale;
    private final float[] dropped; // dropout(x), tokens × in
    private final float[] dLow; // ∂L/∂(A·x), tokens × rank

    TrainableSidePath(WorkerPool pool, LoraTrainingSpec spec, int maxTokens, int maxIn) {
        this.pool = pool;
        this.rank = spec.rank();
        this.scale = spec.scale();
        this.dropout = spec.dropout();
        this.keepScale = (float) (1.0 / (1.0 - spec.dropout()));
        this.dropped = spec.dropout() > 0 ? new float[maxTokens * maxIn] : null;
        this.dLow = new float[maxTokens * rank];
    }

    /** The dropout multiplier of value {@code index} under {@code key}: 0 or {@code 1/(1-p)}. */
    private float mask(long key, long index) {
        long z = key + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        float u = (z >>> 40) * 0x1.0p-24f;
        return u < dropout ? 0f : keepScale;
    }

    /** {@code x} with dropout applied under {@code key} ({@code x} itself when there is none). */
    private float[] input(float[] x, int n, int in, long key) {
        if (dropped == null || key == 0) {
            return x;
        }
        pool.parallelFor(n, 4, (t0, t1) -> {
            for (int e = t0 * in; e < t1 * in; e++) {
                dropped[e] = x[e] * mask(key, e);
            }
        });
        return dropped;
    }

    /**
     * {@code y[t] += s · B · (A · dropout(x[t]))}, keeping {@code A·dropout(x)} in {@code low}.
     * {@code key} 0 means no dropout (evaluation).
     */
    void forward(TrainableTensor a, TrainableTensor b, float[] x, int n, float[] y, float[] low, long key) {
        int in = a.cols();
        int out = b.rows();
        float[] xd = input(x, n, in, key);
        float[] av = a.values();
        float[] bv = b.values();
        pool.parallelFor(n, 4, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int j = 0; j < rank; j++) {
                    low[t * rank + j] = DotProduct.dot(av, j * in, xd, t * in, in);
                }
                for (int o = 0; o < out; o++) {
                    y[t * out + o] += scale * DotProduct.dot(bv, o * rank, low, t * rank, rank);
                }
            }
        });
    }

    /**
     * Given {@code dy}, adds {@code ∂L/∂B = s · dyᵀ·low}, {@code ∂L/∂A = dLowᵀ·dropout(x)} with
     * {@code dLow = s · dy·B}, and {@code dx += mask ∘ (dLow·A)}.
     */
    void backward(TrainableTensor a, TrainableTensor b, float[] x, int n, float[] low, float[] dy, float[] dx,
            long key) {
        int in = a.cols();
        int out = b.rows();
        float[] av = a.values();
        float[] bv = b.values();
        float[] ga = a.gradients();
        float[] gb = b.gradients();
        // Sums over tokens (∂B) and over outputs (∂low) in the same order as one scalar sum per value,
        // but with the rank-wide rows innermost, so that each step is a contiguous multiply-add.
        pool.parallelFor(out, 16, (o0, o1) -> {
            float[] acc = new float[rank];
            for (int o = o0; o < o1; o++) {
                java.util.Arrays.fill(acc, 0f);
                for (int t = 0; t < n; t++) {
                    float d = dy[t * out + o];
                    int lo = t * rank;
                    for (int j = 0; j < rank; j++) {
                        acc[j] += d * low[lo + j];
                    }
                }
                for (int j = 0; j < rank; j++) {
                    gb[o * rank + j] += scale * acc[j];
                }
            }
        });
        pool.parallelFor(n, 4, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int lo = t * rank;
                java.util.Arrays.fill(dLow, lo, lo + rank, 0f);
                for (int o = 0; o < out; o++) {
                    float d = dy[t * out + o];
                    int bo = o * rank;
                    for (int j = 0; j < rank; j++) {
                        dLow[lo + j] += d * bv[bo + j];
                    }
                }
                for (int j = 0; j < rank; j++) {
                    dLow[lo + j] *= scale;
                }
            }
        });
        float[] xd = input(x, n, in, key);
        pool.parallelFor(in, 64, (k0, k1) -> {
            for (int j = 0; j < rank; j++) {
                int go = j * in;
                for (int t = 0; t < n; t++) {
                    float c = dLow[t * rank + j];
                    int xo = t * in;
                    for (int k = k0; k < k1; k++) {
                        ga[go + k] += c * xd[xo + k];
                    }
                }
            }
        });
        boolean masked = dropped != null && key != 0;
        pool.parallelFor(n, 4, (t0, t1) -> {
            float[] row = new float[in]; // dLow[t]·A, summed over the rank in order, A's rows read whole
            for (int t = t0; t < t1; t++) {
                int xo = t * in;
                java.util.Arrays.fill(row, 0f);
                for (int j = 0; j < rank; j++) {
                    float c = dLow[t * rank + j];
                    int ao = j * in;
                    for (int k = 0; k < in; k++) {
                        row[k] += c * av[ao + k];
                    }
                }
                for (int k = 0; k < in; k++) {
                    dx[xo + k] += masked ? row[k] * mask(key, xo + k) : row[k];
                }
            }
        });
    }
}
