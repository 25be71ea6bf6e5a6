package dev.llama3j.train;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Gemm;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.Species;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with a frozen weight {@code W} ({@code rows × cols}, any storage type) over {@code n} token
 * vectors: forward {@code y = x · Wᵀ} through the inference kernels, and backward {@code dx += dy · W},
 * which reads W a row at a time ({@link WeightMatrix#dequantizeRow}) since quantized types store rows.
 *
 * <p>Backward splits W's rows over the workers; each part sums into its own buffer ({@code n × cols}),
 * and the parts are added in a fixed order, so results do not depend on thread timing. Buffers are
 * kept between calls.
 *
 * <p>NF4 matrices (QLoRA's base) go forward through the same dequantize-a-panel-then-GEMM steps as
 * {@link WeightMatrix#matmul}, written out here so that the dequantization can be timed.
 */
final class FrozenMatmul {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int L = F.length();
    /** Rows dequantized and applied together: each pass over a token's partial sums serves this many. */
    private static final int PANEL = 8;

    private final WorkerPool pool;
    private final int parts;
    private float[][] partial;
    private final float[][] panels;
    private final float[][] gemmPanels;
    private final long[] dequantNanos; // per part, summed over calls
    private final MatmulInput input = new MatmulInput();
    /** Time spent in {@link #forward} and {@link #backward}, for {@link TrainingProfile}. */
    long forwardNanos;
    long backwardNanos;

    FrozenMatmul(WorkerPool pool, int maxCols) {
        this.pool = pool;
        this.parts = pool.threads();
        this.partial = new float[parts][0];
        this.panels = new float[parts][PANEL * maxCols];
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
        float[] x = in.x();
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

    /** {@code dx[t*cols + k] += Σ_r dy[t*rows + r] · W[r][k]} for {@code n} tokens. */
    void backward(WeightMatrix w, float[] dy, int n, float[] dx) {
        long t0 = System.nanoTime();
        int rows = w.rows();
        int cols = w.cols();
        int size = n * cols;
        int used = Math.min(parts, (rows + PANEL - 1) / PANEL);
        if (partial[0].length < size) {
            for (int i = 0; i < parts; i++) {
                partial[i] = new float[size];
            }
        }
        pool.parallelFor(used, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                float[] acc = partial[p];
                java.util.Arrays.fill(acc, 0, size, 0f);
                // Row ranges in whole panels, the same for every call with this shape.
                int panelsTotal = (rows + PANEL - 1) / PANEL;
                int r0 = (int) ((long) panelsTotal * p / used) * PANEL;
                int r1 = Math.min(rows, (int) ((long) panelsTotal * (p + 1) / used) * PANEL);
                dequantNanos[p] += accumulate(w, dy, n, rows, cols, r0, r1, panels[p], acc);
            }
        });
        pool.parallelFor(size, 1024, (e0, e1) -> {
            for (int p = 0; p < used; p++) {
                float[] acc = partial[p];
                for (int e = e0; e < e1; e++) {
                    dx[e] += acc[e];
                }
            }
        });
        backwardNanos += System.nanoTime() - t0;
    }

    /**
     * Adds the products of rows {@code [r0, r1)} to {@code acc}, {@link #PANEL} rows at a time; returns
     * the nanoseconds spent dequantizing them.
     */
    private static long accumulate(WeightMatrix w, float[] dy, int n, int rows, int cols, int r0, int r1,
            float[] panel, float[] acc) {
        int bound = F.loopBound(cols);
        long dequant = 0;
        for (int g = r0; g < r1; g += PANEL) {
            int count = Math.min(PANEL, r1 - g);
            long start = System.nanoTime();
            for (int j = 0; j < PANEL; j++) {
                if (j < count) {
                    w.dequantizeRow(g + j, panel, j * cols);
                } else {
                    java.util.Arrays.fill(panel, j * cols, (j + 1) * cols, 0f);
                }
            }
            dequant += System.nanoTime() - start;
            for (int t = 0; t < n; t++) {
                int d = t * rows + g;
                float c0 = dy[d];
                float c1 = count > 1 ? dy[d + 1] : 0f;
                float c2 = count > 2 ? dy[d + 2] : 0f;
                float c3 = count > 3 ? dy[d + 3] : 0f;
                float c4 = count > 4 ? dy[d + 4] : 0f;
                float c5 = count > 5 ? dy[d + 5] : 0f;
                float c6 = count > 6 ? dy[d + 6] : 0f;
                float c7 = count > 7 ? dy[d + 7] : 0f;
                if (c0 == 0 && c1 == 0 && c2 == 0 && c3 == 0 && c4 == 0 && c5 == 0 && c6 == 0 && c7 == 0) {
                    continue;
                }
                FloatVector b0 = FloatVector.broadcast(F, c0);
                FloatVector b1 = FloatVector.broadcast(F, c1);
                FloatVector b2 = FloatVector.broadcast(F, c2);
                FloatVector b3 = FloatVector.broadcast(F, c3);
                FloatVector b4 = FloatVector.broadcast(F, c4);
                FloatVector b5 = FloatVector.broadcast(F, c5);
                FloatVector b6 = FloatVector.broadcast(F, c6);
                FloatVector b7 = FloatVector.broadcast(F, c7);
                int a = t * cols;
                int k = 0;
                for (; k < bound; k += L) {
                    FloatVector s = FloatVector.fromArray(F, acc, a + k);
                    s = FloatVector.fromArray(F, panel, k).fma(b0, s);
                    s = FloatVector.fromArray(F, panel, cols + k).fma(b1, s);
                    s = FloatVector.fromArray(F, panel, 2 * cols + k).fma(b2, s);
                    s = FloatVector.fromArray(F, panel, 3 * cols + k).fma(b3, s);
                    s = FloatVector.fromArray(F, panel, 4 * cols + k).fma(b4, s);
                    s = FloatVector.fromArray(F, panel, 5 * cols + k).fma(b5, s);
                    s = FloatVector.fromArray(F, panel, 6 * cols + k).fma(b6, s);
                    s = FloatVector.fromArray(F, panel, 7 * cols + k).fma(b7, s);
                    s.intoArray(acc, a + k);
                }
                for (; k < cols; k++) {
                    acc[a + k] += c0 * panel[k] + c1 * panel[cols + k] + c2 * panel[2 * cols + k]
                            + c3 * panel[3 * cols + k] + c4 * panel[4 * cols + k] + c5 * panel[5 * cols + k]
                            + c6 * panel[6 * cols + k] + c7 * panel[7 * cols + k];
                }
            }
        }
        return dequant;
    }
}
