package dev.llama3j.tensor;

import dev.llama3j.error.UnsupportedModelException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * 4-bit weights with an fp scale and zero per group of inputs, the form of AWQ, GPTQ and
 * compressed-tensors {@code pack-quantized} checkpoints: {@code W[r][i] = (code - zero) · scale}. These
 * formats are weight-only (their reference kernels multiply with fp16 activations), so the products here
 * are fp32, never with 8-bit inputs: the result is the dequantize-then-dot answer up to float rounding.
 *
 * <p>Layout, repacked from the codes at load time: rows in panels of {@link Gemm#G}; per panel and
 * group, the {@code G} rows' fp32 scales, their {@code scale·zero}, then {@code groupSize/8} columns of
 * {@code G} ints, int {@code j} of a row holding the codes of the group's stored inputs {@code 8j .. 8j+7}
 * in nibbles {@code 0 .. 7} (the last one stored as {@code code ^ 8}, a signed {@code code - 8}). An int
 * vector then holds one 8-input word of {@link Gemm#V} rows, and each nibble {@code i} is isolated by one
 * AND with {@code 15 << 4i}: converted to float it is {@code code · 16^i}, exact, which an input
 * pre-scaled by {@code 16^-i} turns back into {@code code · x}. Per group the sum {@code Σ code·x} is
 * then scaled once and {@code scale·zero · Σx} subtracted: 4.5 bits per weight at group size 128.
 *
 * <p>With GPTQ's {@code desc_act} the stored inputs are a permutation of the model's
 * ({@code inputOrder}): each product gathers its input into stored order once, shared by every
 * matrix that reads the same input in the same order (see {@link MatmulInput#prepare}).
 */
public final class Int4GroupMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Inputs per packed int. */
    private static final int WORD = 8;
    /**
     * With 16-float vectors, {@link #kernel1} also reads 4 bytes of the second half of each line that
     * a vector load has read whole: the product then read 17.2-17.8 GB/s from memory instead of
     * 13.8-14.0 (4096 × 14336, 2 threads, Intel Xeon host; SPEED.md, finding 16). A line read twice,
     * in ascending order, is what the L1 prefetcher follows (inferred; the VM has no counters).
     */
    private static final boolean TOUCH_SECOND_HALVES = V == 16;
    /**
     * Factor of the input that meets nibble {@code i} of a word: {@code 16^-i}, and {@code 2^-28} for
     * the signed top nibble.
     */
    private static final float[] NIBBLE_SCALE = {1f, 0x1p-4f, 0x1p-8f, 0x1p-12f, 0x1p-16f, 0x1p-20f, 0x1p-24f, 0x1p-28f};
    /** {@link #NIBBLE_SCALE} for vector lanes: entry {@code i} is that of column {@code i mod 8}. */
    private static final float[] LANE_SCALES = lanePattern(NIBBLE_SCALE);
    /** 1 in the lanes of top-nibble columns ({@code c mod 8 = 7}), else 0. */
    private static final float[] TOP_LANES = lanePattern(new float[] {0, 0, 0, 0, 0, 0, 0, 1});

    /** {@code perColumn} (8 entries) repeated over {@code V + 8} entries, read from offset {@code c mod 8}. */
    private static float[] lanePattern(float[] perColumn) {
        float[] a = new float[V + WORD];
        for (int i = 0; i < a.length; i++) {
            a[i] = perColumn[i % WORD];
        }
        return a;
    }

    /** Up to this many tokens (with 16-float vectors) go through {@link #kernel4}, not the fp32 panel. */
    static final int FUSED_MAX_TOKENS = 16;

    private final int groupSize;
    private final int groups;
    private final int wordsPerGroup;
    /** Bytes of one panel's group: G scales, G scale·zero, then the words. */
    private final long groupBytes;
    private final int[] inputOrder;
    private final MatvecInput matvecInput;
    private final GatheredInput gatheredInput;

    private Int4GroupMatrix(String name, int rows, int cols, int groupSize, int[] inputOrder, MemorySegment packed) {
        super(name, GgmlType.INT4_GROUP, rows, cols, packed);
        this.groupSize = groupSize;
        this.groups = cols / groupSize;
        this.wordsPerGroup = groupSize / WORD;
        this.groupBytes = 8L * G + 4L * G * wordsPerGroup;
        this.inputOrder = inputOrder;
        this.matvecInput = new MatvecInput(inputOrder, groupSize);
        this.gatheredInput = inputOrder == null ? null : new GatheredInput(inputOrder);
    }

    /**
     * Repacks a matrix of {@code rows} outputs by {@code cols} inputs.
     *
     * @param codes {@code rows·cols} codes {@code 0..15}, {@code codes[r*cols + c]} at stored column c
     * @param scales {@code rows·(cols/groupSize)} scales; stored column c is in group {@code c/groupSize}
     * @param zeros zero points, laid out like {@code scales}
     * @param inputOrder null, or the model input index of each stored column (a permutation)
     */
    public static Int4GroupMatrix of(String name, int rows, int cols, int groupSize, byte[] codes, float[] scales,
            float[] zeros, int[] inputOrder) {
        if (codes.length != (long) rows * cols) {
            throw new IllegalArgumentException("tensor '" + name + "': " + codes.length + " codes for " + rows + "x"
                    + cols + " (needs " + (long) rows * cols + ")");
        }
        checkCodes(name, codes, 0, codes.length, 0, cols);
        return of(name, rows, cols, groupSize, Int4Codes.of(codes, cols), scales, zeros, inputOrder);
    }

    /**
     * Repacks a matrix whose codes come from {@code codes} a panel of rows at a time (read straight from
     * a checkpoint's packed words: no array of all the codes is ever made).
     */
    public static Int4GroupMatrix of(String name, int rows, int cols, int groupSize, Int4Codes codes, float[] scales,
            float[] zeros, int[] inputOrder) {
        if (groupSize <= 0 || groupSize % 32 != 0 || cols % groupSize != 0) {
            throw new UnsupportedModelException("tensor '" + name + "': INT4 group size " + groupSize
                    + " is not supported for " + cols + " inputs; supported: a multiple of 32 that divides the"
                    + " input size (32, 64, 128 …)");
        }
        int groups = cols / groupSize;
        if (scales.length != (long) rows * groups || zeros.length != (long) rows * groups) {
            throw new IllegalArgumentException("tensor '" + name + "': " + scales.length + " scales and "
                    + zeros.length + " zeros for " + rows + "x" + cols + " in groups of " + groupSize + " (needs "
                    + (long) rows * groups + " of each)");
        }
        if (inputOrder != null) {
            checkPermutation(name, inputOrder, cols);
        }
        int wordsPerGroup = groupSize / WORD;
        long groupBytes = 8L * G + 4L * G * wordsPerGroup;
        int panels = (rows + G - 1) / G;
        MemorySegment packed = HugePageArena.allocateAuto(panels * groups * groupBytes, 64);
        int panelInts = (int) (groups * groupBytes / 4);
        // Panels are independent: built in parallel (a model's worth is billions of codes), each from one
        // panel's codes into an int array copied out whole.
        int chunks = Math.min(panels, 4 * Runtime.getRuntime().availableProcessors());
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            int[] buf = new int[panelInts];
            byte[] panelCodes = new byte[G * cols];
            for (int p = chunk; p < panels; p += chunks) {
                int count = Math.min(G, rows - p * G);
                if (count < G) {
                    java.util.Arrays.fill(buf, 0); // rows past the matrix's end: zero scales and codes
                }
                codes.rows(p * G, count, cols, panelCodes);
                checkCodes(name, panelCodes, 0, count * cols, p * G, cols);
                for (int lane = 0; lane < count; lane++) {
                    packRow(p * G + lane, lane, cols, groupSize, panelCodes, lane * cols, scales, zeros, buf);
                }
                MemorySegment.copy(buf, 0, packed, ValueLayout.JAVA_INT, p * groups * groupBytes, panelInts);
            }
        });
        return new Int4GroupMatrix(name, rows, cols, groupSize, inputOrder, packed);
    }

    /** Writes row {@code r}, whose codes start at {@code codes[from]}, into its panel's ints {@code buf} at {@code lane}. */
    private static void packRow(int r, int lane, int cols, int groupSize, byte[] codes, int from, float[] scales,
            float[] zeros, int[] buf) {
        int groups = cols / groupSize;
        int groupInts = 2 * G + G * (groupSize / WORD);
        for (int grp = 0; grp < groups; grp++) {
            int off = grp * groupInts;
            float scale = scales[r * groups + grp];
            buf[off + lane] = Float.floatToRawIntBits(scale);
            buf[off + G + lane] = Float.floatToRawIntBits(scale * zeros[r * groups + grp]);
            int c0 = from + grp * groupSize;
            for (int w = 0; w < groupSize / WORD; w++, c0 += WORD) {
                int word = codes[c0] | codes[c0 + 1] << 4 | codes[c0 + 2] << 8 | codes[c0 + 3] << 12
                        | codes[c0 + 4] << 16 | codes[c0 + 5] << 20 | codes[c0 + 6] << 24 | codes[c0 + 7] << 28;
                buf[off + 2 * G + w * G + lane] = word ^ 0x80000000; // the top nibble signed: see the class comment
            }
        }
    }

    /**
     * Throws naming the first code outside {@code 0..15} among {@code codes[from .. to)}, which start at
     * row {@code firstRow}.
     */
    private static void checkCodes(String name, byte[] codes, int from, int to, int firstRow, int cols) {
        int any = 0;
        for (int i = from; i < to; i++) {
            any |= codes[i];
        }
        if ((any & ~15) == 0) {
            return;
        }
        for (int i = from; i < to; i++) {
            if ((codes[i] & ~15) != 0) {
                throw new IllegalArgumentException("tensor '" + name + "': code " + codes[i] + " at row "
                        + (firstRow + (i - from) / cols) + ", column " + (i - from) % cols + " is not a 4-bit value");
            }
        }
    }

    private static void checkPermutation(String name, int[] order, int cols) {
        if (order.length != cols) {
            throw new IllegalArgumentException("tensor '" + name + "': input order has " + order.length
                    + " entries for " + cols + " inputs");
        }
        boolean[] seen = new boolean[cols];
        for (int c = 0; c < cols; c++) {
            int i = order[c];
            if (i < 0 || i >= cols || seen[i]) {
                throw new IllegalArgumentException("tensor '" + name + "': input order is not a permutation of 0.."
                        + (cols - 1) + " (entry " + c + " is " + i + ")");
            }
            seen[i] = true;
        }
    }

    public int groupSize() {
        return groupSize;
    }

    @Override
    public int rowGrain() {
        return G;
    }

    @Override
    protected int gemmMinTokens() {
        return V == 16 ? FUSED_MAX_TOKENS + 1 : 5;
    }

    /**
     * The input for the row kernels: gathered into stored order, each value times the factor of the
     * nibble it meets ({@link #NIBBLE_SCALE}); per token and group, {@code Σx} and {@code 8·Σx} over
     * the top-nibble inputs (which undoes the top nibble's signed storage).
     */
    private record MatvecInput(int[] order, int groupSize) implements MatmulInput.Preparation {
        @Override
        public void prepare(MatmulInput in) {
            int n = in.n();
            int cols = in.cols();
            int groups = cols / groupSize;
            in.room(n * cols, 2 * n * groups);
            float[] x = in.x();
            float[] xs = in.prepared;
            float[] sums = in.preparedAux;
            for (int t = 0; t < n; t++) {
                int base = t * cols;
                float[] src = x;
                if (order != null) {
                    for (int c = 0; c < cols; c++) {
                        xs[base + c] = x[base + order[c]];
                    }
                    src = xs; // scaled in place below: each value is read before it is overwritten
                }
                for (int grp = 0; grp < groups; grp++) {
                    FloatVector sum = FloatVector.zero(F);
                    FloatVector top = sum;
                    for (int c = grp * groupSize; c < (grp + 1) * groupSize; c += V) {
                        FloatVector v = FloatVector.fromArray(F, src, base + c);
                        sum = v.add(sum);
                        top = v.fma(FloatVector.fromArray(F, TOP_LANES, c & 7), top);
                        v.mul(FloatVector.fromArray(F, LANE_SCALES, c & 7)).intoArray(xs, base + c);
                    }
                    sums[2 * (t * groups + grp)] = sum.reduceLanes(VectorOperators.ADD);
                    sums[2 * (t * groups + grp) + 1] = 8 * top.reduceLanes(VectorOperators.ADD);
                }
            }
        }
    }

    /** The input gathered into stored order, for the fp32 panel path. */
    private record GatheredInput(int[] order) implements MatmulInput.Preparation {
        @Override
        public void prepare(MatmulInput in) {
            int n = in.n();
            int cols = in.cols();
            in.room(n * cols, 0);
            float[] x = in.x();
            float[] g = in.prepared;
            for (int t = 0; t < n; t++) {
                for (int c = 0; c < cols; c++) {
                    g[t * cols + c] = x[t * cols + order[c]];
                }
            }
        }
    }

    @Override
    MatmulInput.Preparation preparation(int n) {
        return n >= gemmMinTokens() ? gatheredInput : matvecInput;
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (n >= gemmMinTokens()) {
            float[] x = in.packedForGemm(gatheredInput);
            float[] panel = Scratch.panel(cols);
            int po = Scratch.panelStart(panel);
            for (int g0 = r0; g0 < r1; g0 += G) {
                int count = Math.min(G, r1 - g0);
                fillPanel(g0, count, panel, po);
                Gemm.multiply(panel, po, cols, count, x, n, out, outStride, g0);
            }
            return;
        }
        in.prepare(matvecInput);
        float[] xs = in.prepared;
        float[] sums = in.preparedAux;
        float[] tmp = Scratch.tile(); // room for four tokens' outputs
        for (int p = r0 / G; p * G < r1; p++) {
            int count = Math.min(G, rows - p * G);
            if (n == 1) {
                kernel1(p, xs, sums, tmp);
                System.arraycopy(tmp, 0, out, p * G, count);
                continue;
            }
            for (int t = 0; t < n; t += 4) {
                kernel4(p, xs, sums, n, t, tmp);
                for (int i = 0; i < 4 && t + i < n; i++) {
                    System.arraycopy(tmp, i * G, out, (t + i) * outStride + p * G, count);
                }
            }
        }
    }

    // The kernels are written out in full on purpose (see PackedQ4Matrix): a helper taking or
    // returning vectors that C2 does not inline boxes them on every call.

    /**
     * Token 0 times panel {@code p} into {@code tmp[0 .. G)}; four chains of FMAs hide their latency.
     * With 16-float vectors each load of a word reads a whole 64-byte line; see {@link #TOUCH_SECOND_HALVES}.
     */
    private void kernel1(int p, float[] xs, float[] sums, float[] tmp) {
        MemorySegment d = data;
        long base = (long) p * groups * groupBytes;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        int touched = 0;
        for (int grp = 0; grp < groups; grp++) {
            long off = base + grp * groupBytes;
            FloatVector e0 = FloatVector.zero(F);
            FloatVector e1 = e0, o0 = e0, o1 = e0;
            int k = grp * groupSize;
            long words = off + 8L * G;
            for (int w = 0; w < wordsPerGroup; w++, k += WORD) {
                long c = words + 4L * G * w;
                IntVector v0 = IntVector.fromMemorySegment(I, d, c, LE);
                IntVector v1 = IntVector.fromMemorySegment(I, d, c + 4L * V, LE);
                if (TOUCH_SECOND_HALVES) {
                    touched += d.get(ValueLayout.JAVA_INT_UNALIGNED, c + 32) + d.get(ValueLayout.JAVA_INT_UNALIGNED, c + 96);
                }
                FloatVector x = FloatVector.broadcast(F, xs[k]);
                e0 = ((FloatVector) v0.and(0xf).convertShape(VectorOperators.I2F, F, 0)).fma(x, e0);
                e1 = ((FloatVector) v1.and(0xf).convertShape(VectorOperators.I2F, F, 0)).fma(x, e1);
                x = FloatVector.broadcast(F, xs[k + 1]);
                o0 = ((FloatVector) v0.and(0xf0).convertShape(VectorOperators.I2F, F, 0)).fma(x, o0);
                o1 = ((FloatVector) v1.and(0xf0).convertShape(VectorOperators.I2F, F, 0)).fma(x, o1);
                x = FloatVector.broadcast(F, xs[k + 2]);
                e0 = ((FloatVector) v0.and(0xf00).convertShape(VectorOperators.I2F, F, 0)).fma(x, e0);
                e1 = ((FloatVector) v1.and(0xf00).convertShape(VectorOperators.I2F, F, 0)).fma(x, e1);
                x = FloatVector.broadcast(F, xs[k + 3]);
                o0 = ((FloatVector) v0.and(0xf000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o0);
                o1 = ((FloatVector) v1.and(0xf000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o1);
                x = FloatVector.broadcast(F, xs[k + 4]);
                e0 = ((FloatVector) v0.and(0xf0000).convertShape(VectorOperators.I2F, F, 0)).fma(x, e0);
                e1 = ((FloatVector) v1.and(0xf0000).convertShape(VectorOperators.I2F, F, 0)).fma(x, e1);
                x = FloatVector.broadcast(F, xs[k + 5]);
                o0 = ((FloatVector) v0.and(0xf00000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o0);
                o1 = ((FloatVector) v1.and(0xf00000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o1);
                x = FloatVector.broadcast(F, xs[k + 6]);
                e0 = ((FloatVector) v0.and(0xf000000).convertShape(VectorOperators.I2F, F, 0)).fma(x, e0);
                e1 = ((FloatVector) v1.and(0xf000000).convertShape(VectorOperators.I2F, F, 0)).fma(x, e1);
                x = FloatVector.broadcast(F, xs[k + 7]);
                o0 = ((FloatVector) v0.and(0xf0000000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o0);
                o1 = ((FloatVector) v1.and(0xf0000000).convertShape(VectorOperators.I2F, F, 0)).fma(x, o1);
            }
            FloatVector top = FloatVector.broadcast(F, sums[2 * grp + 1]);
            FloatVector sum = FloatVector.broadcast(F, -sums[2 * grp]);
            FloatVector s0 = FloatVector.fromMemorySegment(F, d, off, LE);
            FloatVector s1 = FloatVector.fromMemorySegment(F, d, off + 4L * V, LE);
            acc0 = e0.add(o0).add(top).fma(s0, acc0);
            acc1 = e1.add(o1).add(top).fma(s1, acc1);
            acc0 = FloatVector.fromMemorySegment(F, d, off + 4L * G, LE).fma(sum, acc0);
            acc1 = FloatVector.fromMemorySegment(F, d, off + 4L * (G + V), LE).fma(sum, acc1);
        }
        acc0.intoArray(tmp, 0);
        acc1.intoArray(tmp, V);
        tmp[2 * G] = touched; // a use for the touching loads, in room that the caller does not read
    }

    /**
     * Tokens {@code [t, t+4)} (those past {@code n} repeat the last one) times panel {@code p} into
     * {@code tmp[i*G + r]}: each nibble column is isolated and converted once for four tokens.
     */
    private void kernel4(int p, float[] xs, float[] sums, int n, int t, float[] tmp) {
        MemorySegment d = data;
        long base = (long) p * groups * groupBytes;
        int cols = this.cols;
        int t0 = Math.min(t, n - 1);
        int t1 = Math.min(t + 1, n - 1);
        int t2 = Math.min(t + 2, n - 1);
        int t3 = Math.min(t + 3, n - 1);
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int grp = 0; grp < groups; grp++) {
            long off = base + grp * groupBytes;
            FloatVector a00 = FloatVector.zero(F);
            FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            int k = grp * groupSize;
            long words = off + 8L * G;
            for (int w = 0; w < wordsPerGroup; w++) {
                long c = words + 4L * G * w;
                IntVector v0 = IntVector.fromMemorySegment(I, d, c, LE);
                IntVector v1 = IntVector.fromMemorySegment(I, d, c + 4L * V, LE);
                for (int i = 0; i < WORD; i++, k++) {
                    int mask = 15 << (4 * i);
                    FloatVector w0 = (FloatVector) v0.and(mask).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector w1 = (FloatVector) v1.and(mask).convertShape(VectorOperators.I2F, F, 0);
                    FloatVector x = FloatVector.broadcast(F, xs[t0 * cols + k]);
                    a00 = w0.fma(x, a00);
                    a01 = w1.fma(x, a01);
                    x = FloatVector.broadcast(F, xs[t1 * cols + k]);
                    a10 = w0.fma(x, a10);
                    a11 = w1.fma(x, a11);
                    x = FloatVector.broadcast(F, xs[t2 * cols + k]);
                    a20 = w0.fma(x, a20);
                    a21 = w1.fma(x, a21);
                    x = FloatVector.broadcast(F, xs[t3 * cols + k]);
                    a30 = w0.fma(x, a30);
                    a31 = w1.fma(x, a31);
                }
            }
            FloatVector s0 = FloatVector.fromMemorySegment(F, d, off, LE);
            FloatVector s1 = FloatVector.fromMemorySegment(F, d, off + 4L * V, LE);
            FloatVector z0 = FloatVector.fromMemorySegment(F, d, off + 4L * G, LE);
            FloatVector z1 = FloatVector.fromMemorySegment(F, d, off + 4L * (G + V), LE);
            int s = 2 * (t0 * groups + grp);
            FloatVector top = FloatVector.broadcast(F, sums[s + 1]);
            FloatVector sum = FloatVector.broadcast(F, -sums[s]);
            c00 = z0.fma(sum, a00.add(top).fma(s0, c00));
            c01 = z1.fma(sum, a01.add(top).fma(s1, c01));
            s = 2 * (t1 * groups + grp);
            top = FloatVector.broadcast(F, sums[s + 1]);
            sum = FloatVector.broadcast(F, -sums[s]);
            c10 = z0.fma(sum, a10.add(top).fma(s0, c10));
            c11 = z1.fma(sum, a11.add(top).fma(s1, c11));
            s = 2 * (t2 * groups + grp);
            top = FloatVector.broadcast(F, sums[s + 1]);
            sum = FloatVector.broadcast(F, -sums[s]);
            c20 = z0.fma(sum, a20.add(top).fma(s0, c20));
            c21 = z1.fma(sum, a21.add(top).fma(s1, c21));
            s = 2 * (t3 * groups + grp);
            top = FloatVector.broadcast(F, sums[s + 1]);
            sum = FloatVector.broadcast(F, -sums[s]);
            c30 = z0.fma(sum, a30.add(top).fma(s0, c30));
            c31 = z1.fma(sum, a31.add(top).fma(s1, c31));
        }
        c00.intoArray(tmp, 0);
        c01.intoArray(tmp, V);
        c10.intoArray(tmp, G);
        c11.intoArray(tmp, G + V);
        c20.intoArray(tmp, 2 * G);
        c21.intoArray(tmp, 2 * G + V);
        c30.intoArray(tmp, 3 * G);
        c31.intoArray(tmp, 3 * G + V);
    }

    /** Rows {@code [r0, r0+count)} dequantized into {@code panel[po + c*G + r]} at stored columns c. */
    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        long base = (long) (r0 / G) * groups * groupBytes;
        for (int grp = 0; grp < groups; grp++) {
            long off = base + grp * groupBytes;
            FloatVector s0 = FloatVector.fromMemorySegment(F, d, off, LE);
            FloatVector s1 = FloatVector.fromMemorySegment(F, d, off + 4L * V, LE);
            FloatVector z0 = FloatVector.fromMemorySegment(F, d, off + 4L * G, LE).neg();
            FloatVector z1 = FloatVector.fromMemorySegment(F, d, off + 4L * (G + V), LE).neg();
            long words = off + 8L * G;
            for (int w = 0; w < wordsPerGroup; w++) {
                long c = words + 4L * G * w;
                // Flip the top nibble back to the plain code: every nibble is then 0..15.
                IntVector v0 = IntVector.fromMemorySegment(I, d, c, LE).lanewise(VectorOperators.XOR, 0x80000000);
                IntVector v1 = IntVector.fromMemorySegment(I, d, c + 4L * V, LE).lanewise(VectorOperators.XOR, 0x80000000);
                int k = (grp * groupSize + w * WORD) * G;
                for (int i = 0; i < WORD; i++, k += G) {
                    ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4 * i).and(15)
                            .convertShape(VectorOperators.I2F, F, 0)).fma(s0, z0).intoArray(panel, po + k);
                    ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4 * i).and(15)
                            .convertShape(VectorOperators.I2F, F, 0)).fma(s1, z1).intoArray(panel, po + k + V);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) (row / G) * groups * groupBytes;
        int lane = row % G;
        for (int grp = 0; grp < groups; grp++) {
            long off = base + grp * groupBytes;
            float scale = data.get(ValueLayout.JAVA_FLOAT, off + 4L * lane);
            float scaledZero = data.get(ValueLayout.JAVA_FLOAT, off + 4L * (G + lane));
            for (int w = 0; w < wordsPerGroup; w++) {
                int word = data.get(ValueLayout.JAVA_INT, off + 8L * G + 4L * (w * G + lane)) ^ 0x80000000;
                for (int i = 0; i < WORD; i++) {
                    int c = grp * groupSize + w * WORD + i;
                    int col = inputOrder == null ? c : inputOrder[c];
                    out[outOff + col] = ((word >>> (4 * i)) & 15) * scale - scaledZero;
                }
            }
        }
    }
}
