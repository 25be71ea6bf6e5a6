package dev.llama3j.train;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Gemm;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;

/**
 * Products with a frozen weight {@code W} ({@code rows × cols}, any storage type) over {@code n} token
 * vectors: forward {@code y = x · Wᵀ} through the inference kernels, and backward {@code dx += dy · W},
 * which reads W a row at a time ({@link WeightMatrix#dequantizeRow}) since quantized types store rows,
 * then multiplies with the forward's GEMM kernel ({@link #backward}). Buffers are kept between calls.
 *
 * <p>NF4 matrices (QLoRA's base) go forward through the same dequantize-a-panel-then-GEMM steps as
 * {@link WeightMatrix#matmul}, written out here so that the dequantization can be timed.
 */
final class FrozenMatmul {
    /** Rows of W per backward step: the inner length of each kernel call. */
    static final int CHUNK = 256;

    private final WorkerPool pool;
    private final int parts;
    private float[] rowChunk = new float[0]; // backward: CHUNK rows of W as fp32, shared
    private float[] dyChunk = new float[0]; // backward: dy's columns of the chunk, n × CHUNK
    private final float[][] sums; // backward: per worker, the kernel's n × G result
    private final float[][] gemmPanels; // per worker: the kernel's panel
    private final long[] dequantNanos; // per part, summed over calls
    private final MatmulInput input = new MatmulInput();
    /** Time spent in {@link #forward} and {@link #backward}, for {@link TrainingProfile}. */
    long forwardNanos;
    long backwardNanos;

    FrozenMatmul(WorkerPool pool, int maxCols) {
        this.pool = pool;
        this.parts = pool.threads();
        this.sums = new float[parts][0];
        this.gemmPanels = new float[parts][];
        this.dequantNanos = new long[parts];
    }

    /** Time spent dequantizing weight rows, summed over the workers and divided by their number. */
    long dequantNanos() {
        long sum = 0;
        for (long d : dequantNanos) {
            sum += d;
        }
        return sum / parts;
    }

    /** The time counters, for {@link #restore}. */
    long[] counters() {
        long[] c = java.util.Arrays.copyOf(dequantNanos, parts + 2);
        c[parts] = forwardNanos;
        c[parts + 1] = backwardNanos;
        return c;
    }

    /** Puts the time counters back as {@link #counters} gave them (work that should not count). */
    void restore(long[] c) {
        System.arraycopy(c, 0, dequantNanos, 0, parts);
        forwardNanos = c[parts];
        backwardNanos = c[parts + 1];
    }

    /** {@code out[t*rows + r] = W[r] · x[t]} for {@code n} inputs of {@code W.cols()} floats. */
    void forward(WeightMatrix w, float[] x, int n, float[] out) {
        forward(w, input.set(x, n, w.cols()), out);
    }

    /** As {@link #forward(WeightMatrix, float[], int, float[])} with an input several matrices share. */
    void forward(WeightMatrix w, MatmulInput in, float[] out) {
        long t0 = System.nanoTime();
        if (w.type() == GgmlType.NF4) {
            forwardByPanels(w, in, out);
        } else {
            w.matmul(pool, in, out);
        }
        forwardNanos += System.nanoTime() - t0;
    }

    /** {@link WeightMatrix#matmul}'s panel path: {@link Gemm#G} rows dequantized, transposed, multiplied. */
    private void forwardByPanels(WeightMatrix w, MatmulInput in, float[] out) {
        int rows = w.rows();
        int cols = w.cols();
        int g = Gemm.G;
        int groups = (rows + g - 1) / g;
        int used = Math.min(parts, groups);
        float[] x = in.packedForGemm();
        int n = in.n();
        pool.parallelFor(used, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (gemmPanels[p] == null || gemmPanels[p].length < (g + 1) * cols) {
                    gemmPanels[p] = new float[(g + 1) * cols];
                }
                float[] panel = gemmPanels[p];
                int row = g * cols; // one dequantized row after the panel
                int r0 = (int) ((long) groups * p / used) * g;
                int r1 = Math.min(rows, (int) ((long) groups * (p + 1) / used) * g);
                for (int g0 = r0; g0 < r1; g0 += g) {
                    int count = Math.min(g, r1 - g0);
                    long t = System.nanoTime();
                    for (int r = 0; r < g; r++) {
                        if (r < count) {
                            w.dequantizeRow(g0 + r, panel, row);
                            for (int k = 0; k < cols; k++) {
                                panel[k * g + r] = panel[row + k];
                            }
                        } else {
                            for (int k = 0; k < cols; k++) {
                                panel[k * g + r] = 0f;
                            }
                        }
                    }
                    dequantNanos[p] += System.nanoTime() - t;
                    Gemm.multiply(panel, cols, count, x, n, out, rows, g0);
                }
            }
        });
    }

    /**
     * {@code dx[t*cols + k] += Σ_r dy[t*rows + r] · W[r][k]} for {@code n} tokens: the GEMM
     * {@code dy · W} by the same register-tiled kernel as the forward products ({@link Gemm}), over
     * chunks of {@link #CHUNK} rows of W (the sum's index). Each chunk's rows are dequantized once into
     * a shared buffer; then the workers take disjoint groups of {@link Gemm#G} columns, copy that
     * {@code CHUNK × G} block as the kernel's panel and add {@code dy[:, chunk] · block} to their own
     * columns of dx. No two workers write the same value and the chunks are summed in a fixed order, so
     * the result does not depend on thread timing.
     */
    void backward(WeightMatrix w, float[] dy, int n, float[] dx) {
        long t0 = System.nanoTime();
        int rows = w.rows();
        int cols = w.cols();
        int g = Gemm.G;
        if (rowChunk.length < CHUNK * cols) {
            rowChunk = new float[CHUNK * cols];
        }
        if (dyChunk.length < n * CHUNK) {
            dyChunk = new float[n * CHUNK];
        }
        float[] chunkRows = rowChunk;
        float[] chunkDy = dyChunk;
        int groups = (cols + g - 1) / g;
        int used = Math.min(parts, groups);
        for (int c0 = 0; c0 < rows; c0 += CHUNK) {
            int first = c0;
            int k = Math.min(CHUNK, rows - c0);
            // The chunk's rows as fp32, in parallel; then its columns of dy packed as the kernel's input.
            pool.parallelFor(parts, 1, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    long start = System.nanoTime();
                    for (int r = k * p / parts; r < k * (p + 1) / parts; r++) {
                        w.dequantizeRow(first + r, chunkRows, r * cols);
                    }
                    dequantNanos[p] += System.nanoTime() - start;
                }
            });
            Gemm.pack(dy, first, rows, n, k, chunkDy);
            pool.parallelFor(used, 1, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    if (gemmPanels[p] == null || gemmPanels[p].length < CHUNK * g) {
                        gemmPanels[p] = new float[Math.max(CHUNK * g, gemmPanels[p] == null ? 0 : gemmPanels[p].length)];
                    }
                    if (sums[p].length < n * g) {
                        sums[p] = new float[n * g];
                    }
                    float[] panel = gemmPanels[p];
                    float[] sum = sums[p];
                    for (int q = groups * p / used; q < groups * (p + 1) / used; q++) {
                        int k0 = q * g;
                        int count = Math.min(g, cols - k0);
                        for (int r = 0; r < k; r++) {
                            System.arraycopy(chunkRows, r * cols + k0, panel, r * g, count);
                            for (int c = count; c < g; c++) {
                                panel[r * g + c] = 0f;
                            }
                        }
                        Gemm.multiply(panel, k, count, chunkDy, n, sum, g, 0);
                        for (int t = 0; t < n; t++) {
                            int d = t * cols + k0;
                            int e = t * g;
                            for (int c = 0; c < count; c++) {
                                dx[d + c] += sum[e + c];
                            }
                        }
                    }
                }
            });
        }
        backwardNanos += System.nanoTime() - t0;
    }
}
