package dev.llama3j.tensor;

import dev.llama3j.error.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * FP8 E4M3 weights with a scale per output row (or one per tensor), the form of fbgemm FP8 and
 * compressed-tensors {@code float-quantized} checkpoints: {@code y = (Σ w_q·x_q) · w_scale · x_scale},
 * where {@code x_q} and {@code x_scale} come from {@link Fp8Activations} (the input itself and 1 when
 * weight-only).
 *
 * <p>Layout, repacked at load time: rows in panels of {@link Gemm#G}, each panel column-major
 * ({@code [col][G]} bytes), so one byte load widened to ints holds the same column of {@link Gemm#V}
 * rows. An E4M3 byte becomes an fp32 with two integer operations: the sign moved to bit 31 and the
 * 7 exponent-mantissa bits to bits 20..26 give the value times {@code 2^-120}, exactly. Subnormal
 * codes would land on fp32 subnormals, which cost Intel cores a microcode assist per FMA; they are
 * stored as zero and added back by {@link Fp8Subnormals}. The row kernels multiply that raw float
 * by an input pre-scaled by {@code 2^64} (or less for huge inputs), so the products stay in fp32's
 * normal range, and put the {@code 2^56} back with the scales at the end: one byte per weight and
 * three vector operations per 16 weights, like {@link PackedQ8Matrix}.
 *
 * <p>{@link #dot} and {@link #dequantizeRow} give the weights' values ({@code e4m3 · scale}); the
 * activation quantization belongs to {@link #matmul(MatmulInput, float[], int, int, int)}.
 */
public final class Fp8Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Sign at bit 31 and exponent-mantissa at bits 20..26, after a sign-extended byte is shifted left by 20. */
    private static final int E4M3_BITS = 0x87f00000;
    /** Narrow vectors (4 floats) load a whole 8-byte column and widen it in two parts. */
    private static final boolean SPLIT_LOADS = V >= 8;
    private static final VectorSpecies<Byte> B_V = SPLIT_LOADS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));

    private final float[] rowScale;
    private final Fp8Subnormals subnormals;
    private final Fp8Activations activations;
    private final Fp8Input rowInput;
    private final Fp8Input panelInput;

    private Fp8Matrix(String name, int rows, int cols, MemorySegment packed, float[] rowScale,
            Fp8Subnormals subnormals, Fp8Activations activations) {
        super(name, GgmlType.F8_E4M3, rows, cols, packed);
        this.rowScale = rowScale;
        this.subnormals = subnormals;
        this.activations = activations;
        this.rowInput = new Fp8Input(activations, true);
        this.panelInput = new Fp8Input(activations, false);
    }

    /**
     * Repacks {@code rows × cols} E4M3 bytes (row-major {@code [out, in]}).
     *
     * @param scales one scale per row, or one for the whole tensor
     * @throws ModelFormatException if a weight is the E4M3 NaN pattern
     */
    public static Fp8Matrix of(String name, int rows, int cols, MemorySegment e4m3, float[] scales,
            Fp8Activations activations) {
        long n = (long) rows * cols;
        if (e4m3.byteSize() < n) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e4m3.byteSize() + " bytes for " + rows
                    + "x" + cols + " F8_E4M3 (needs " + n + ")");
        }
        if (scales.length != rows && scales.length != 1) {
            throw new IllegalArgumentException("tensor '" + name + "': " + scales.length + " scales for " + rows
                    + " rows (needs " + rows + " or 1)");
        }
        if (cols >= Fp8Subnormals.MAX_COLS) {
            throw new IllegalArgumentException("tensor '" + name + "': " + cols + " columns (at most "
                    + (Fp8Subnormals.MAX_COLS - 1) + " for F8_E4M3)");
        }
        int panels = (rows + G - 1) / G;
        float[] rowScale = new float[panels * G];
        for (int r = 0; r < rows; r++) {
            rowScale[r] = scales.length == 1 ? scales[0] : scales[r];
        }
        MemorySegment packed = HugePageArena.allocateAuto((long) panels * G * cols, 64);
        int[] rowOffset = new int[G];
        for (int i = 0; i < G; i++) {
            rowOffset[i] = i * cols;
        }
        // Panels are independent: repacked in parallel (a model's worth is billions of bytes).
        int chunks = Math.min(panels, 4 * Runtime.getRuntime().availableProcessors());
        int[][] subnormals = new int[panels][];
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            byte[] in = new byte[G * cols];
            byte[] out = new byte[G * cols];
            for (int p = chunk; p < panels; p += chunks) {
                subnormals[p] = repackPanel(name, e4m3, p, Math.min(G, rows - p * G), cols, rowOffset, in, out, packed);
            }
        });
        return new Fp8Matrix(name, rows, cols, packed, rowScale, Fp8Subnormals.of(subnormals), activations);
    }

    /**
     * Transposes panel {@code p} ({@code count} rows, the rest zero) into {@code packed}, its subnormal
     * codes as zero; returns those codes' {@link Fp8Subnormals} entries.
     */
    private static int[] repackPanel(String name, MemorySegment e4m3, int p, int count, int cols, int[] rowOffset,
            byte[] in, byte[] out, MemorySegment packed) {
        MemorySegment.copy(e4m3, ValueLayout.JAVA_BYTE, (long) p * G * cols, in, 0, count * cols);
        java.util.Arrays.fill(in, count * cols, G * cols, (byte) 0);
        checkNaN(name, in, count * cols, p * G, cols);
        int[] subnormals = Fp8Subnormals.extract(in, count, cols);
        int wholeCols = cols - cols % 8;
        for (int r0 = 0; r0 < G; r0 += 8) {
            for (int k0 = 0; k0 < wholeCols; k0 += 8) {
                GroupPacker.transpose8(in, rowOffset, r0, k0, out, k0 * G + r0, G);
            }
        }
        for (int k = wholeCols; k < cols; k++) {
            for (int r = 0; r < G; r++) {
                out[k * G + r] = in[r * cols + k];
            }
        }
        MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, (long) p * G * cols, out.length);
        return subnormals;
    }

    /** Throws naming the first E4M3 NaN among {@code bytes[0 .. count)}, rows from {@code firstRow}. */
    private static void checkNaN(String name, byte[] bytes, int count, int firstRow, int cols) {
        int i = 0;
        // Eight bytes at a time: a byte is 0x7f or 0xff exactly when its low seven bits are all ones.
        for (; i + 8 <= count; i += 8) {
            long v = LittleEndian.longAt(bytes, i) & 0x7f7f7f7f7f7f7f7fL;
            if (((v + 0x0101010101010101L) & 0x8080808080808080L) == 0) {
                continue;
            }
            break;
        }
        for (; i < count; i++) {
            if (Fp8.isE4m3NaN(bytes[i])) {
                throw new ModelFormatException("tensor '" + name + "': weight at row " + (firstRow + i / cols)
                        + ", column " + (i % cols) + " is the F8_E4M3 NaN pattern (0x"
                        + Integer.toHexString(bytes[i] & 0xff) + ")");
            }
        }
    }

    public Fp8Activations activations() {
        return activations;
    }

    @Override
    public int rowGrain() {
        return G;
    }

    @Override
    protected int gemmMinTokens() {
        return 5;
    }

    /**
     * The input as the kernels read it: per token, {@code x_q · 2^e} in {@code prepared} and
     * {@code x_scale · 2^(120-e)} in {@code preparedAux} for the row kernels (which multiply raw
     * {@code 2^-120}-scaled weights), or {@code x_q} and {@code x_scale} for the panel path (whose
     * panels hold the weights' true values).
     */
    private record Fp8Input(Fp8Activations activations, boolean raw) implements MatmulInput.Preparation {
        @Override
        public void prepare(MatmulInput in) {
            int n = in.n();
            int cols = in.cols();
            in.room(n * cols, n);
            float[] x = in.x();
            float[] q = in.prepared;
            float[] aux = in.preparedAux;
            for (int t = 0; t < n; t++) {
                int o = t * cols;
                float amax = Fp8.maxAbs(x, o, cols);
                Fp8Activations.Kind kind = activations.kind();
                // Dynamic: FBGEMM's quantize_fp8_per_row and compressed-tensors' calculate_qparams both take
                // s = max(min(amax, bound) / 448, floor) and quantize x / s (see Fp8Activations).
                float xScale = switch (kind) {
                    case WEIGHT_ONLY -> 1f;
                    case DYNAMIC_PER_TOKEN -> Math.max(Math.min(amax, activations.value()) / Fp8.E4M3_MAX,
                            activations.minScale());
                    case STATIC -> activations.value();
                };
                // Raw (2^-120-scaled) weights need the input 2^64 up for products in fp32's normal range
                // (quantized inputs are at most 448); huge weight-only inputs get less, so that sums stay
                // finite, and huge activation scales more, so that 2^(120-e) times the scale does.
                int e = !raw ? 0
                        : kind != Fp8Activations.Kind.WEIGHT_ONLY ? 64 + Math.max(0, Math.getExponent(xScale) - 60)
                        : amax < 0x1p36f ? 64 : 100 - Math.getExponent(amax);
                float up = Math.scalb(1f, e);
                switch (kind) {
                    case WEIGHT_ONLY -> {
                        for (int k = 0; k < cols; k++) {
                            q[o + k] = x[o + k] * up;
                        }
                    }
                    case DYNAMIC_PER_TOKEN, STATIC -> Fp8.quantizeRow(x, o, cols, xScale, true, up, q, o);
                }
                aux[t] = raw ? xScale * Math.scalb(1f, 120 - e) : xScale;
            }
        }
    }

    @Override
    MatmulInput.Preparation preparation(int n) {
        return n >= gemmMinTokens() ? panelInput : rowInput;
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (n >= gemmMinTokens()) {
            float[] xq = in.packedForGemm(panelInput);
            float[] xScale = in.preparedAux;
            float[] panel = Scratch.panel(cols);
            int po = Scratch.panelStart(panel);
            for (int g0 = r0; g0 < r1; g0 += G) {
                int count = Math.min(G, r1 - g0);
                fillPanel(g0, count, panel, po);
                Gemm.multiply(panel, po, cols, count, xq, n, out, outStride, g0);
                for (int t = 0; t < n; t++) {
                    int o = t * outStride + g0;
                    for (int r = 0; r < count; r++) {
                        out[o + r] *= rowScale[g0 + r] * xScale[t];
                    }
                }
            }
            return;
        }
        in.prepare(rowInput);
        float[] xq = in.prepared;
        float[] xScale = in.preparedAux;
        for (int p = r0 / G; p * G < r1; p++) {
            int count = Math.min(G, rows - p * G);
            int t = 0;
            for (; t + 2 <= n; t += 2) {
                kernel2(p, xq, t * cols, (t + 1) * cols, xScale[t], xScale[t + 1], out,
                        t * outStride + p * G, (t + 1) * outStride + p * G, count);
            }
            if (t < n) {
                kernel1(p, xq, t * cols, xScale[t], out, t * outStride + p * G, count);
            }
        }
    }

    /** Columns (G bytes each, 1 KB with 16-float vectors) that {@link #kernel1} reads from one stream before the other. */
    private static final int CHUNK_COLUMNS = 32;

    // The kernels are written out in full on purpose (see PackedQ8Matrix): a helper taking or
    // returning vectors that C2 does not inline boxes them on every call.

    /**
     * One token times panel {@code p}; even and odd columns in separate accumulators hide FMA latency.
     * The panel's columns are read as two streams, the first half and the second half,
     * {@link #CHUNK_COLUMNS} columns (1 KB) from each in turn (SPEED.md, finding 14).
     */
    private void kernel1(int p, float[] x, int xOff, float xScale, float[] out, int outOff, int count) {
        MemorySegment d = data;
        long base = (long) p * G * cols;
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = e0, o0 = e0, o1 = e0;
        int half = (cols + 2 * CHUNK_COLUMNS - 1) / (2 * CHUNK_COLUMNS) * CHUNK_COLUMNS;
        for (int k0 = 0; k0 < half; k0 += CHUNK_COLUMNS) {
            for (int s = 0; s < 2; s++) {
                int from = s * half + k0;
                int to = Math.min(from + CHUNK_COLUMNS, s == 0 ? Math.min(half, cols) : cols);
                for (int k = from; k + 2 <= to; k += 2) {
                    long c = base + (long) k * G;
                    IntVector b0 = SPLIT_LOADS
                            ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2I, I, 0)
                            : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector b1 = SPLIT_LOADS
                            ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2I, I, 0)
                            : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 1);
                    FloatVector xk = FloatVector.broadcast(F, x[xOff + k]);
                    e0 = b0.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, e0);
                    e1 = b1.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, e1);
                    c += G;
                    b0 = SPLIT_LOADS
                            ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2I, I, 0)
                            : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 0);
                    b1 = SPLIT_LOADS
                            ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2I, I, 0)
                            : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 1);
                    xk = FloatVector.broadcast(F, x[xOff + k + 1]);
                    o0 = b0.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, o0);
                    o1 = b1.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, o1);
                }
            }
        }
        if ((cols & 1) != 0) { // the pair loops leave the last column when the count is odd
            long c = base + (long) (cols - 1) * G;
            IntVector b0 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector b1 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 1);
            FloatVector xk = FloatVector.broadcast(F, x[xOff + cols - 1]);
            e0 = b0.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, e0);
            e1 = b1.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().fma(xk, e1);
        }
        FloatVector s = FloatVector.broadcast(F, xScale);
        FloatVector r0 = e0.add(o0).mul(s).mul(FloatVector.fromArray(F, rowScale, p * G));
        FloatVector r1 = e1.add(o1).mul(s).mul(FloatVector.fromArray(F, rowScale, p * G + V));
        if (count == G) {
            r0.intoArray(out, outOff);
            r1.intoArray(out, outOff + V);
        } else {
            float[] tmp = Scratch.group();
            r0.intoArray(tmp, 0);
            r1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outOff, count);
        }
        // The input is x_q·2^e and xScale is x_scale·2^(120-e) (see Fp8Input): the true values need
        // 2^-120, half applied to value·input (about 2^55) and half to xScale (at least about 2^-70).
        subnormals.addProducts(p, x, xOff, 0x1p-60f, xScale * 0x1p-60f, rowScale, out, outOff);
    }

    /** Two tokens at once: each weight column is loaded and decoded once for both. */
    private void kernel2(int p, float[] x, int xA, int xB, float scaleA, float scaleB, float[] out, int outA,
            int outB, int count) {
        MemorySegment d = data;
        long base = (long) p * G * cols;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, b0 = a0, b1 = a0;
        for (int k = 0; k < cols; k++) {
            long c = base + (long) k * G;
            IntVector i0 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector i1 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 1);
            FloatVector w0 = i0.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats();
            FloatVector w1 = i1.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats();
            FloatVector xk = FloatVector.broadcast(F, x[xA + k]);
            a0 = w0.fma(xk, a0);
            a1 = w1.fma(xk, a1);
            xk = FloatVector.broadcast(F, x[xB + k]);
            b0 = w0.fma(xk, b0);
            b1 = w1.fma(xk, b1);
        }
        FloatVector rs0 = FloatVector.fromArray(F, rowScale, p * G);
        FloatVector rs1 = FloatVector.fromArray(F, rowScale, p * G + V);
        FloatVector sA = FloatVector.broadcast(F, scaleA);
        FloatVector sB = FloatVector.broadcast(F, scaleB);
        a0 = a0.mul(sA).mul(rs0);
        a1 = a1.mul(sA).mul(rs1);
        b0 = b0.mul(sB).mul(rs0);
        b1 = b1.mul(sB).mul(rs1);
        if (count == G) {
            a0.intoArray(out, outA);
            a1.intoArray(out, outA + V);
            b0.intoArray(out, outB);
            b1.intoArray(out, outB + V);
        } else {
            float[] tmp = Scratch.group();
            a0.intoArray(tmp, 0);
            a1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outA, count);
            b0.intoArray(tmp, 0);
            b1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outB, count);
        }
        subnormals.addProducts(p, x, xA, 0x1p-60f, scaleA * 0x1p-60f, rowScale, out, outA); // as in kernel1
        subnormals.addProducts(p, x, xB, 0x1p-60f, scaleB * 0x1p-60f, rowScale, out, outB);
    }

    /** Rows {@code [r0, r0+count)} as exact E4M3 values (unscaled) into {@code panel[po + k*G + r]}. */
    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        long base = (long) (r0 / G) * G * cols;
        for (int k = 0; k < cols; k++) {
            long c = base + (long) k * G;
            IntVector b0 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector b1 = SPLIT_LOADS
                    ? (IntVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2I, I, 0)
                    : (IntVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2I, I, 1);
            b0.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().mul(0x1p120f)
                    .intoArray(panel, po + k * G);
            b1.lanewise(VectorOperators.LSHL, 20).and(E4M3_BITS).reinterpretAsFloats().mul(0x1p120f)
                    .intoArray(panel, po + k * G + V);
        }
        subnormals.putInPanel(r0 / G, panel, po);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) (row / G) * G * cols + row % G;
        float scale = rowScale[row];
        for (int k = 0; k < cols; k++) {
            out[outOff + k] = Fp8.e4m3ToFloat(data.get(ValueLayout.JAVA_BYTE, base + (long) k * G)) * scale;
        }
        subnormals.putInRow(row / G, row % G, scale, out, outOff);
    }
}
