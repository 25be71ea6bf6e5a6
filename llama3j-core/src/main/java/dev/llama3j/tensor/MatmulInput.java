package dev.llama3j.tensor;

/**
 * The input of a matrix multiplication: {@code n} fp32 vectors of {@code cols} values, row-major, and
 * — computed on first demand, once for all the matrices that read the same input — the same vectors
 * quantized to 8 bits per 32-value block, which the integer kernels multiply with 4-bit weights (the
 * way llama.cpp pairs Q4_0 weights with Q8_0 activations).
 *
 * <p>Reused across forward passes: {@link #set} points it at new data without allocating.
 */
public final class MatmulInput {
    public static final int BLOCK = 32;

    float[] x;
    int n;
    int cols;

    // Quantized form: q[t*cols + k] in [-127, 127], per-block scale and per-block sum of q.
    short[] q = new short[0];
    float[] qScale = new float[0];
    int[] qSum = new int[0];
    private boolean quantized;

    /** Points at {@code n} vectors of {@code cols} floats in {@code x}. */
    public MatmulInput set(float[] x, int n, int cols) {
        this.x = x;
        this.n = n;
        this.cols = cols;
        this.quantized = false;
        return this;
    }

    public float[] x() {
        return x;
    }

    public int n() {
        return n;
    }

    public int cols() {
        return cols;
    }

    /** Quantizes the vectors to 8-bit blocks unless that was already done for this data. */
    public void ensureQuantized() {
        if (quantized) {
            return;
        }
        if (cols % BLOCK != 0) {
            throw new IllegalStateException("row length " + cols + " is not a multiple of " + BLOCK);
        }
        int total = n * cols;
        if (q.length < total) {
            q = new short[total];
            qScale = new float[total / BLOCK];
            qSum = new int[total / BLOCK];
        }
        for (int b = 0; b < total / BLOCK; b++) {
            int o = b * BLOCK;
            float amax = 0;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[o + i]));
            }
            float d = amax / 127f;
            float id = d == 0 ? 0 : 1f / d;
            int sum = 0;
            for (int i = 0; i < BLOCK; i++) {
                int v = Math.round(x[o + i] * id);
                q[o + i] = (short) v;
                sum += v;
            }
            qScale[b] = d;
            qSum[b] = sum;
        }
        quantized = true;
    }
}
