package dev.llama3j.tensor;

import dev.llama3j.error.UnsupportedModelException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor of {@code rows × cols} values in one storage type, row-major (the layout of
 * PyTorch's {@code nn.Linear.weight} and of GGUF tensors with {@code ne[0] = cols}). The data stays in
 * a {@link MemorySegment}, normally a slice of a memory-mapped file.
 *
 * <p>A subclass per storage type supplies the dequantization of one row, and the dot product of one
 * row with an fp32 vector where it has one faster than dequantizing; {@link #matmul} (many input
 * vectors at once) is built on those unless a type has something faster.
 */
public abstract class WeightMatrix {
    protected final String name;
    protected final GgmlType type;
    protected final int rows;
    protected final int cols;
    protected final MemorySegment data;

    protected WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        if (cols % type.blockSize != 0) {
            throw new UnsupportedModelException("tensor '" + name + "': row length " + cols
                    + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        long need = (long) rows * type.bytesFor(cols);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for " + rows
                    + "x" + cols + " " + type + " (needs " + need + ")");
        }
    }

    /** Wraps {@code data} as a matrix of the given type. */
    public static WeightMatrix of(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        return switch (type) {
            case F32 -> new F32Matrix(name, rows, cols, data);
            case BF16 -> new BF16Matrix(name, rows, cols, data);
            case F16 -> new F16Matrix(name, rows, cols, data);
            default -> QuantizedMatrices.of(name, type, rows, cols, data);
        };
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment data() {
        return data;
    }

    /** Bytes of this matrix's weight data in memory: {@link #data()}'s, or more where it is held twice. */
    public long bytes() {
        return data.byteSize();
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(cols);
    }

    /**
     * The dot product of row {@code row} with {@code x[xOff .. xOff+cols)}. This default dequantizes the
     * row and sums in order; types whose single-row product is a hot kernel override it (the repacked
     * types keep this: their speed is in {@link #matmul(MatmulInput, float[], int, int, int)}).
     */
    public float dot(int row, float[] x, int xOff) {
        float[] w = Scratch.row(cols);
        dequantizeRow(row, w, 0);
        float sum = 0;
        for (int k = 0; k < cols; k++) {
            sum += w[k] * x[xOff + k];
        }
        return sum;
    }

    /** Writes row {@code row} as floats to {@code out[outOff .. outOff+cols)}. */
    public abstract void dequantizeRow(int row, float[] out, int outOff);

    /**
     * For each of {@code n} input vectors {@code x[b*xStride ..]} and each row {@code r} in
     * {@code [r0, r1)}: {@code out[b*outStride + r] = dot(r, x_b)}. Rows are the outer loop so that a row
     * is read from memory once for all {@code n} inputs.
     */
    public void matmul(float[] x, int n, int xStride, float[] out, int outStride, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int b = 0; b < n; b++) {
                out[b * outStride + r] = dot(r, x, b * xStride);
            }
        }
    }

    /**
     * {@code out[t*rows + r] = row r · input t} for every row, split over {@code pool}'s workers in whole
     * {@link #rowGrain()} panels; the input is quantized once first where the kernels read that form.
     */
    public void matmul(WorkerPool pool, MatmulInput in, float[] out) {
        prepareInput(in);
        int grain = rowGrain();
        pool.parallelFor(units(), 1, (u0, u1) -> matmul(in, out, rows, u0 * grain, Math.min(rows, u1 * grain)));
    }

    /**
     * {@code outs[i][t*rows_i + r] = ws[i] row r · input t} for matrices that read the same input (a
     * layer's q, k and v; its gate and up), in one parallel section over all their panels: one hand-off
     * and one uneven ending instead of one per matrix, and the small k and v share the workers' chunks
     * with q instead of being split alone (6 µs of waiting per section on the Intel host, 1B Q4_K_M).
     */
    public static void matmul(WorkerPool pool, MatmulInput in, WeightMatrix[] ws, float[][] outs) {
        if (ws.length != outs.length) {
            throw new IllegalArgumentException(ws.length + " matrices but " + outs.length + " outputs");
        }
        // The input holds one prepared form at a time: matrices that prepare it differently (GPTQ
        // desc_act orders, FP8 static scales) cannot share a section, so they take one each.
        MatmulInput.Preparation shared = ws.length == 0 ? null : ws[0].preparation(in.n());
        for (WeightMatrix w : ws) {
            if (!java.util.Objects.equals(shared, w.preparation(in.n()))) {
                for (int i = 0; i < ws.length; i++) {
                    ws[i].matmul(pool, in, outs[i]);
                }
                return;
            }
        }
        int units = 0;
        for (WeightMatrix w : ws) {
            w.prepareInput(in);
            units += w.units();
        }
        pool.parallelFor(units, 1, (u0, u1) -> {
            int first = 0; // the section's first unit of matrix i
            for (int i = 0; i < ws.length && first < u1; i++) {
                WeightMatrix w = ws[i];
                int lo = Math.max(u0, first) - first;
                int hi = Math.min(u1, first + w.units()) - first;
                if (lo < hi) {
                    int grain = w.rowGrain();
                    w.matmul(in, outs[i], w.rows, lo * grain, Math.min(w.rows, hi * grain));
                }
                first += w.units();
            }
        });
    }

    /**
     * The form of the input this matrix's kernels prepare for {@code n} inputs beyond the shared 8-bit
     * and packed ones (null: none): matrices whose preparations differ never share a parallel section.
     */
    MatmulInput.Preparation preparation(int n) {
        return null;
    }

    /** Panels of {@link #rowGrain()} rows: the units a product is split into. */
    private int units() {
        return (rows + rowGrain() - 1) / rowGrain();
    }

    /**
     * Makes the input's forms that this matrix's kernels read for {@code in.n()} inputs (its 8-bit
     * quantization), once, before workers share it in {@link #matmul(MatmulInput, float[], int, int, int)};
     * {@link #matmul(WorkerPool, MatmulInput, float[])} does this itself.
     */
    public void prepareInput(MatmulInput in) {
        // IntGemm's paired form is made by the workers together (MatmulInput.pairedForIntGemm).
        if (usesSuperBlockInput(in.n())) {
            in.ensureSuperBlocksQuantized();
        } else if (usesQuantizedInput(in.n()) && !usesIntGemm(in.n())) {
            in.ensureQuantized();
        }
    }

    /**
     * Whether this type's kernels read the input quantized per super-block ({@link MatmulInput#kq})
     * for {@code n} inputs rather than per 32 values: Q4_K's and Q6_K's generation kernels.
     */
    protected boolean usesSuperBlockInput(int n) {
        return false;
    }

    /**
     * Whether {@code n} inputs go through {@link IntGemm} ({@link #matmulIntGemm}), which reads the
     * input {@link MatmulInput#pairedForIntGemm paired}: the 4-bit types on hosts it suits.
     */
    protected boolean usesIntGemm(int n) {
        return false;
    }

    /**
     * Rows {@code [r0, r1)} times every input through {@link IntGemm}, {@link Gemm#G} rows at a time
     * through {@link #fillIntPanel}.
     */
    protected final void matmulIntGemm(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        in.pairedForIntGemm();
        short[] panel = Scratch.intPanel(cols);
        int po = Scratch.panelStart(panel);
        float[] numbers = Scratch.blockScales(cols);
        for (int g0 = r0; g0 < r1; g0 += Gemm.G) {
            boolean offsets = fillIntPanel(g0, panel, po, numbers);
            IntGemm.multiply(panel, po, numbers, offsets ? numbers : null, cols, Math.min(Gemm.G, r1 - g0), in,
                    out, outStride, g0);
        }
    }

    /**
     * Writes the group of {@link Gemm#G} rows from {@code r0} as an {@link IntGemm} panel from
     * {@code panel[po]}, its block scales to {@code numbers[b*G + r]} and, where the type has them, its
     * block offsets to {@code numbers[cols/32*G + b*G + r]}; returns whether it has offsets. For the
     * types whose {@link #usesIntGemm} can be true.
     */
    protected boolean fillIntPanel(int r0, short[] panel, int po, float[] numbers) {
        throw new UnsupportedOperationException(type + " has no integer GEMM panel");
    }

    /**
     * A kernel that multiplies inputs {@code [t, t+4)} of {@code n}, or {@code [t, t+8)} when
     * {@code eight} (those past {@code n} repeat the last), with group {@code g} of {@link Gemm#G}
     * rows, into {@code tmp[i*G + r]}: the fused paths of the repacked types for steps of several
     * sequences, which dequantize each column into registers once for all those inputs.
     */
    @FunctionalInterface
    interface FusedKernel {
        void run(int g, float[] x, int n, int t, float[] tmp, boolean eight);
    }

    /** Rows {@code [r0, r1)} times every input through {@code kernel}: eight inputs at a time while more than four remain, then four. */
    protected final void matmulFused(FusedKernel kernel, MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        int g0 = Gemm.G;
        float[] tmp = Scratch.tile(); // room for eight inputs' outputs
        for (int g = r0 / g0; g * g0 < r1; g++) {
            int count = Math.min(g0, rows - g * g0);
            for (int t = 0; t < n; ) {
                boolean eight = n - t > 4; // 5-7 left: one pass of eight (the last input repeated), not two of four
                kernel.run(g, in.x(), n, t, tmp, eight);
                int step = eight ? 8 : 4;
                for (int i = 0; i < step && t + i < n; i++) {
                    System.arraycopy(tmp, i * g0, out, (t + i) * outStride + g * g0, count);
                }
                t += step;
            }
        }
    }

    /** Rows that parallel splits keep together: a panel of {@link Gemm#G} rows. */
    public int rowGrain() {
        return Gemm.G;
    }

    /**
     * A version of this matrix laid out for faster kernels (copied into {@code arena}), or this matrix
     * itself when its type has none. The copy holds the same values.
     */
    public WeightMatrix optimized(Arena arena, WorkerPool pool) {
        return this;
    }

    /**
     * {@link #optimized(Arena, WorkerPool)}, with Q6_K matrices repacked in {@code q6k}'s form (the
     * loader chooses it for the whole model: {@link Q6KLayout#forModel}); other types ignore it.
     */
    public WeightMatrix optimized(Arena arena, WorkerPool pool, Q6KLayout q6k) {
        return optimized(arena, pool);
    }

    /**
     * This matrix with its kernels tuned as {@code tuning} (read streams, fp32 columns for many
     * inputs), sharing its memory; itself where the kernels have one way. For the tests, which check
     * every tuning on any host.
     */
    WeightMatrix withTuning(KernelTuning tuning) {
        return this;
    }

    /** From how many input vectors on {@link #matmul(MatmulInput, float[], int, int, int)} uses the GEMM path. */
    protected int gemmMinTokens() {
        return 4;
    }

    /**
     * Whether this type's kernels read {@link MatmulInput}'s 8-bit quantized form for {@code n} inputs;
     * the caller then quantizes once, before the parallel loop.
     */
    public boolean usesQuantizedInput(int n) {
        return false;
    }

    /**
     * {@code out[t*outStride + r] = row r · input t} for rows {@code [r0, r1)} and all of the input's
     * vectors. {@code r0} is a multiple of {@link Gemm#G}, and so is {@code r1} unless it is the last
     * row. Few inputs (generating) go row by row, reading each weight once; many (a prompt) go through
     * {@link Gemm}, dequantizing {@link Gemm#G} rows at a time into a transposed fp32 panel.
     */
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (n < gemmMinTokens()) {
            matmul(in.x(), n, in.cols(), out, outStride, r0, r1);
            return;
        }
        float[] x = in.packedForGemm();
        float[] panel = Scratch.panel(cols);
        int po = Scratch.panelStart(panel);
        for (int g0 = r0; g0 < r1; g0 += Gemm.G) {
            int count = Math.min(Gemm.G, r1 - g0);
            fillPanel(g0, count, panel, po);
            Gemm.multiply(panel, po, cols, count, x, n, out, outStride, g0);
        }
    }

    /** Writes rows {@code [r0, r0+count)} transposed into {@code panel[po + k*G + r]}; missing rows are zero. */
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        float[] row = Scratch.row(cols);
        int g = Gemm.G;
        for (int r = 0; r < g; r++) {
            if (r < count) {
                dequantizeRow(r0 + r, row, 0);
                for (int k = 0; k < cols; k++) {
                    panel[po + k * g + r] = row[k];
                }
            } else {
                for (int k = 0; k < cols; k++) {
                    panel[po + k * g + r] = 0f;
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows + ", " + cols + "]";
    }
}
