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

    /**
     * The form of the vectors that the weight-only and FP8 matrices read (gathered, scaled or
     * quantized to FP8; see {@link Preparation}), and which preparation made it (null: none since
     * {@link #set}).
     */
    float[] prepared = new float[0];
    /** Per-token or per-group numbers that go with {@link #prepared}. */
    float[] preparedAux = new float[0];
    private Preparation preparedBy;

    /**
     * A way of preparing the input for one kind of matrix. Equal preparations make equal forms, so
     * the matrices that share one (q, k and v; gate and up) prepare the input once.
     */
    interface Preparation {
        /** Fills {@code in.prepared} and {@code in.preparedAux} (grown with {@link #room}). */
        void prepare(MatmulInput in);
    }

    /** Points at {@code n} vectors of {@code cols} floats in {@code x}. */
    public MatmulInput set(float[] x, int n, int cols) {
        this.x = x;
        this.n = n;
        this.cols = cols;
        this.quantized = false;
        this.preparedBy = null;
        return this;
    }

    /**
     * Runs {@code p} on this data unless an equal preparation already did. The workers of a parallel
     * loop call this at the start of their share: the first prepares, the others wait on the lock and
     * then read the finished form (the lock also publishes it to them).
     */
    synchronized void prepare(Preparation p) {
        if (!p.equals(preparedBy)) {
            p.prepare(this);
            preparedBy = p;
        }
    }

    /** Makes {@link #prepared} and {@link #preparedAux} hold at least the given sizes. */
    void room(int preparedSize, int auxSize) {
        if (prepared.length < preparedSize) {
            prepared = new float[preparedSize];
        }
        if (preparedAux.length < auxSize) {
            preparedAux = new float[auxSize];
        }
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
