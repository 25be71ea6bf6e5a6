package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 weights repacked at load time: rows in groups of {@link Gemm#G}; each 32-value block stored as
 * the group's {@code G} fp16 scales, then 16 columns of {@code G} bytes. Byte {@code p} of a Q4_0 block
 * holds value {@code p} in its low nibble and value {@code p + 16} in its high one; column {@code p}
 * here holds that same byte for each of the {@code G} rows. The bytes are unchanged, only reordered:
 * within a column (and the scales) rows are interleaved as {@link Halves} describes, so that 16-bit
 * lanes seen as 32-bit ones split into the two halves of the group with shifts alone.
 *
 * <p>Generating multiplies these nibbles with the input quantized to 8 bits (like llama.cpp's
 * Q4_0 × Q8_0 dot product) in 16-bit lanes, one lane per row: 16 products of a nibble (at most 15)
 * and an 8-bit value (at most 127 in magnitude) fit a 16-bit sum, so half a block is summed with
 * plain short multiplies and adds before widening, two inputs per pass over the weights for steps of
 * several sequences; prompts of more than 32 tokens go through the fp32 {@link Gemm} path, or where
 * {@link IntGemm} suits the host through its 16-bit integer tiles.
 */
final class PackedQ4Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 32;
    /** Bytes of one group's block: G fp16 scales, then 16 × G nibble pairs. */
    static final int GROUP_BLOCK_BYTES = 2 * G + 16 * G;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    /** The nibble shift as a vector ({@link Species#SHIFT_BY_VECTOR}). */
    private static final ShortVector FOUR = ShortVector.broadcast(S_G, (short) 4);

    private final int blocks;
    /** Whether every block scale is a normal half, widened the short way ({@link Halves#widen(MemorySegment, long, float[], int, boolean)}). */
    private final boolean normalScales;
    /** Whether steps of {@link #FUSED_MIN_TOKENS} inputs and more use {@link #fused} ({@link KernelTuning}). */
    private final boolean fusedColumns;
    /** Whether prompts go through {@link IntGemm} ({@link IntGemm#suits}). */
    private final boolean integerPrompts;

    private PackedQ4Matrix(String name, int rows, int cols, MemorySegment packed, KernelTuning tuning,
            boolean normalScales) {
        super(name, GgmlType.Q4_0, rows, cols, packed);
        this.normalScales = normalScales;
        this.fusedColumns = tuning.fusedColumns();
        this.integerPrompts = IntGemm.suits(tuning);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q4_0 rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ4Matrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        GroupPacker.Packed packed = GroupPacker.pack(data, rows, cols, Q4_0Matrix.BLOCK_BYTES, true, arena, pool);
        return new PackedQ4Matrix(name, rows, cols, packed.segment(), KernelTuning.HOST, packed.normalScales());
    }

    @Override
    WeightMatrix withTuning(KernelTuning tuning) {
        return new PackedQ4Matrix(name(), rows, cols, data, tuning, normalScales);
    }

    @Override
    public int rowGrain() {
        return G;
    }

    /**
     * Up to 32 inputs (steps of many sequences, short prompt chunks) skip the fp32 GEMM. On the AMD
     * EPYC host (8192 × 2048, 2 threads) the integer kernels, two inputs per pass over the weights,
     * beat dequantizing each column to fp32 for four inputs (5 inputs 0.55 vs 0.96 ms, 8: 0.83 vs
     * 0.97, 16: 1.58 vs 1.87) and the fp32 GEMM up to 32 (3.12 vs 3.34 ms); from 64 the GEMM is 7%
     * faster. From 8 inputs {@link #fused} now dequantizes each column once for eight inputs (then
     * four), which beat the integer kernels on the Intel Xeon host (1B Q4_0, interleaved pairs:
     * 8 sequences 56-64 → 69-72 tok/s, 16: 65-70 → 74-77, 24: 72 → 79-81, 32: 74-77 → 86-87);
     * on the AMD host it lost to them (8 sequences 60-61 against 66-70 tok/s), so there the
     * integer kernels keep the whole range ({@link KernelTuning#fusedColumns}).
     */
    @Override
    protected int gemmMinTokens() {
        return 33;
    }

    @Override
    public boolean usesQuantizedInput(int n) {
        return usesIntegerKernels(n) || usesIntGemm(n);
    }

    /** Whether {@code n} inputs go through {@link #kernel8}, {@link #kernel2} and {@link #kernel1} (see {@link #matmul}). */
    private boolean usesIntegerKernels(int n) {
        return n < gemmMinTokens() && !usesFusedKernel(n) && !usesIntGemm(n);
    }

    /**
     * How many of a step's {@code n} inputs {@link #kernel8} takes (eight a pass, then four; the rest
     * go through kernel2 and kernel1): with the integer kernels' tuning (AMD; Intel's steps of 4 to 7
     * keep kernel2, as measured there) and AVX-512's 32 registers for its sums, all but {@code n % 4}.
     */
    private int kernel8Inputs(int n) {
        return !fusedColumns && V == 16 ? n & ~3 : 0;
    }

    @Override
    public void prepareInput(MatmulInput in) {
        super.prepareInput(in);
        int n = in.n();
        if (usesIntegerKernels(n) && kernel8Inputs(n) < n) { // kernel1 and kernel2 read them
            in.ensureByteInputs();
        }
    }

    /**
     * From 20 inputs {@link IntGemm} (where {@link IntGemm#suits the host takes it}) beats the
     * two-input integer kernels: 1B Q4_0 prompts on the AMD host, interleaved JVMs, 17 tokens
     * 82.8-85.8 against 91.4-91.7 tok/s, 20 tokens 98.3-102.1 against 92.9-94.1, 24 and 32 about 9%
     * faster (its last tile of 8 or 4 tokens keeps the padding small).
     */
    static final int INT_GEMM_MIN_TOKENS = 20;

    @Override
    protected boolean usesIntGemm(int n) {
        return integerPrompts && n >= INT_GEMM_MIN_TOKENS;
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ShortVector LOW_NIBBLE = ShortVector.broadcast(S_G, (short) 15);

    static final int FUSED_MIN_TOKENS = 8;
    static final int FUSED_MAX_TOKENS = 32;

    /** With 16-float vectors only: 16 accumulators, 4 weight vectors and 2 scales need AVX-512's 32 registers. */
    private boolean usesFusedKernel(int n) {
        return fusedColumns && V == 16 && n >= FUSED_MIN_TOKENS && n <= FUSED_MAX_TOKENS;
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (usesFusedKernel(n)) {
            matmulFused(this::fused, in, out, outStride, r0, r1);
            return;
        }
        if (usesIntGemm(n)) {
            matmulIntGemm(in, out, outStride, r0, r1);
            return;
        }
        if (n >= gemmMinTokens()) {
            super.matmul(in, out, outStride, r0, r1);
            return;
        }
        for (int g = r0 / G; g * G < r1; g++) {
            int count = Math.min(G, rows - g * G);
            int t = 0;
            for (int end = kernel8Inputs(n); t < end; t += t + 8 <= end ? 8 : 4) {
                kernel8(g, in, t, t + 8 <= end, out, outStride, count);
            }
            for (; t + 2 <= n; t += 2) {
                kernel2(g, in, t, out, t * outStride + g * G, (t + 1) * outStride + g * G, count);
            }
            if (t < n) {
                kernel1(g, in, t, out, t * outStride + g * G, count);
            }
        }
    }

    // The kernels below are written out in full on purpose: a helper method that takes or returns a
    // vector and that C2 declines to inline (large callers often hit its inlining limits) boxes the
    // vector on every call, which costs more than all the arithmetic here.

    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.qByte;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qb = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xo = (qb + b) * BLOCK;
            // One 16-bit sum of the block's 32 products, of the nibbles less 8: Q4_0's values themselves.
            // The whole byte v = l + 16h times the input of l, then h times the high factor:
            // l·x_p + h·x_(p+16) without splitting off l (MatmulInput#qByte).
            ShortVector sum = ShortVector.broadcast(S_G, in.centredStart(qb + b));
            for (int p = 0; p < 16; p++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                ShortVector u = ShortVector.broadcast(S_G, q[xo + p + 16]); // first: see kernel8
                sum = v.mul(ShortVector.broadcast(S_G, q[xo + p]))
                        .add((Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4)).mul(u)).add(sum);
            }
            // Each 32-bit lane holds row i's sum in its low half and row V+i's in its high half.
            IntVector s = sum.reinterpretAsInts();
            IntVector sum0 = s.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
            IntVector sum1 = s.lanewise(VectorOperators.ASHR, 16);
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            FloatVector dx = FloatVector.broadcast(F, in.qScale[qb + b]);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(dx, acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, F, 0)).mul(s1).fma(dx, acc1);
        }
        if (count == G) {
            acc0.intoArray(out, outOff);
            acc1.intoArray(out, outOff + V);
        } else {
            float[] tmp = Scratch.group();
            acc0.intoArray(tmp, 0);
            acc1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outOff, count);
        }
    }

    /** Two inputs at once: each column of nibbles is loaded and shifted once for both (as kernel1). */
    private void kernel2(int g, MatmulInput in, int t, float[] out, int outA, int outB, int count) {
        short[] q = in.qByte;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qa = t * blocks;
        int qbb = (t + 1) * blocks;
        FloatVector accA0 = FloatVector.zero(F);
        FloatVector accA1 = accA0;
        FloatVector accB0 = accA0;
        FloatVector accB1 = accA0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xa = (qa + b) * BLOCK;
            int xb = (qbb + b) * BLOCK;
            ShortVector sumA = ShortVector.broadcast(S_G, in.centredStart(qa + b));
            ShortVector sumB = ShortVector.broadcast(S_G, in.centredStart(qbb + b));
            for (int p = 0; p < 16; p++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                ShortVector h = (Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4));
                ShortVector uA = ShortVector.broadcast(S_G, q[xa + p + 16]); // first: see kernel8
                sumA = v.mul(ShortVector.broadcast(S_G, q[xa + p]))
                        .add(h.mul(uA)).add(sumA);
                ShortVector uB = ShortVector.broadcast(S_G, q[xb + p + 16]); // first: see kernel8
                sumB = v.mul(ShortVector.broadcast(S_G, q[xb + p]))
                        .add(h.mul(uB)).add(sumB);
            }
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            // Each 32-bit lane holds row i's sum in its low half and row V+i's in its high half.
            IntVector i = sumA.reinterpretAsInts();
            FloatVector dA = FloatVector.broadcast(F, in.qScale[qa + b]);
            accA0 = ((FloatVector) i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(dA, accA0);
            accA1 = ((FloatVector) i.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s1).fma(dA, accA1);
            i = sumB.reinterpretAsInts();
            FloatVector dB = FloatVector.broadcast(F, in.qScale[qbb + b]);
            accB0 = ((FloatVector) i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .convertShape(VectorOperators.I2F, F, 0)).mul(s0).fma(dB, accB0);
            accB1 = ((FloatVector) i.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0))
                    .mul(s1).fma(dB, accB1);
        }
        if (count == G) {
            accA0.intoArray(out, outA);
            accA1.intoArray(out, outA + V);
            accB0.intoArray(out, outB);
            accB1.intoArray(out, outB + V);
        } else {
            float[] tmp = Scratch.group();
            accA0.intoArray(tmp, 0);
            accA1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outA, count);
            accB0.intoArray(tmp, 0);
            accB1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outB, count);
        }
    }

    /**
     * Inputs {@code [t0, t0 + 8)}, or {@code [t0, t0 + 4)} unless {@code eight}, times group
     * {@code g}, input {@code t}'s rows at {@code out[t·outStride + g·G]}, in one pass over the
     * weights: each column's nibbles are split once for all of them (docs/SPEED.md, finding 31),
     * one 16-bit sum an input and block ({@link MatmulInput#centredStart}).
     */
    private void kernel8(int g, MatmulInput in, int t0, boolean eight, float[] out, int outStride, int count) {
        short[] q = in.q;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        float[] acc = Scratch.acc(8); // 16 fp32 totals: no room for them in registers beside the sums
        short[] sums = Scratch.sums();
        java.util.Arrays.fill(acc, 0, (eight ? 8 : 4) * G, 0f);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int c1 = cols, c2 = 2 * cols, c3 = 3 * cols, c4 = 4 * cols, c5 = 5 * cols, c6 = 6 * cols, c7 = 7 * cols;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xo = t0 * cols + b * BLOCK;
            int xh = xo + 16;
            int qb = t0 * blocks + b;
            ShortVector s0 = ShortVector.broadcast(S_G, in.centredStart(qb));
            ShortVector s1 = ShortVector.broadcast(S_G, in.centredStart(qb + blocks));
            ShortVector s2 = ShortVector.broadcast(S_G, in.centredStart(qb + 2 * blocks));
            ShortVector s3 = ShortVector.broadcast(S_G, in.centredStart(qb + 3 * blocks));
            ShortVector s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            if (eight) {
                s4 = ShortVector.broadcast(S_G, in.centredStart(qb + 4 * blocks));
                s5 = ShortVector.broadcast(S_G, in.centredStart(qb + 5 * blocks));
                s6 = ShortVector.broadcast(S_G, in.centredStart(qb + 6 * blocks));
                s7 = ShortVector.broadcast(S_G, in.centredStart(qb + 7 * blocks));
            }
            for (int p = 0; p < 16; p++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                ShortVector l = v.and(LOW_NIBBLE);
                ShortVector h = v.lanewise(VectorOperators.LSHR, FOUR);
                int a = xo + p;
                int e = xh + p;
                // Each input's value at e broadcast first: written the other way round, C2 loaded it into
                // a general register and broadcast it from there, an extra operation a product (half the
                // broadcasts folded their loads; this way all do).
                ShortVector u0 = ShortVector.broadcast(S_G, q[e]);
                s0 = l.mul(ShortVector.broadcast(S_G, q[a])).add(h.mul(u0)).add(s0);
                ShortVector u1 = ShortVector.broadcast(S_G, q[c1 + e]);
                s1 = l.mul(ShortVector.broadcast(S_G, q[c1 + a])).add(h.mul(u1)).add(s1);
                ShortVector u2 = ShortVector.broadcast(S_G, q[c2 + e]);
                s2 = l.mul(ShortVector.broadcast(S_G, q[c2 + a])).add(h.mul(u2)).add(s2);
                ShortVector u3 = ShortVector.broadcast(S_G, q[c3 + e]);
                s3 = l.mul(ShortVector.broadcast(S_G, q[c3 + a])).add(h.mul(u3)).add(s3);
                if (eight) {
                    ShortVector u4 = ShortVector.broadcast(S_G, q[c4 + e]);
                    s4 = l.mul(ShortVector.broadcast(S_G, q[c4 + a])).add(h.mul(u4)).add(s4);
                    ShortVector u5 = ShortVector.broadcast(S_G, q[c5 + e]);
                    s5 = l.mul(ShortVector.broadcast(S_G, q[c5 + a])).add(h.mul(u5)).add(s5);
                    ShortVector u6 = ShortVector.broadcast(S_G, q[c6 + e]);
                    s6 = l.mul(ShortVector.broadcast(S_G, q[c6 + a])).add(h.mul(u6)).add(s6);
                    ShortVector u7 = ShortVector.broadcast(S_G, q[c7 + e]);
                    s7 = l.mul(ShortVector.broadcast(S_G, q[c7 + a])).add(h.mul(u7)).add(s7);
                }
            }
            s0.intoArray(sums, 0);
            s1.intoArray(sums, G);
            s2.intoArray(sums, 2 * G);
            s3.intoArray(sums, 3 * G);
            if (eight) {
                s4.intoArray(sums, 4 * G);
                s5.intoArray(sums, 5 * G);
                s6.intoArray(sums, 6 * G);
                s7.intoArray(sums, 7 * G);
            }
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector w0 = FloatVector.fromArray(F, scales, 0);
            FloatVector w1 = FloatVector.fromArray(F, scales, V);
            for (int t = 0; t < (eight ? 8 : 4); t++) {
                // Each 32-bit lane holds row i's sum in its low half and row V+i's in its high half.
                IntVector i = ShortVector.fromArray(S_G, sums, t * G).reinterpretAsInts();
                FloatVector dx = FloatVector.broadcast(F, in.qScale[(t0 + t) * blocks + b]);
                ((FloatVector) i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convertShape(VectorOperators.I2F, F, 0)).mul(w0).fma(dx, FloatVector.fromArray(F, acc, t * G))
                        .intoArray(acc, t * G);
                ((FloatVector) i.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).mul(w1)
                        .fma(dx, FloatVector.fromArray(F, acc, t * G + V)).intoArray(acc, t * G + V);
            }
        }
        for (int t = 0; t < (eight ? 8 : 4); t++) {
            System.arraycopy(acc, t * G, out, (t0 + t) * outStride + g * G, count);
        }
    }

    /**
     * Inputs {@code [t, t+4)}, or {@code [t, t+8)} when {@code eight} (those past {@code n} repeat
     * the last), times group {@code g}, in fp32, into {@code tmp[i*G + r]}: each column's nibbles
     * become the weights as in {@link #fillPanel} ({@code (q - 8)·d}) in four vectors that feed 16 or
     * 32 FMAs. 16-float vectors only; one method for both counts
     * (the test of {@code eight} does not change inside the loops, so C2 takes it out of them).
     */
    private void fused(int g, float[] x, int n, int t, float[] tmp, boolean eight) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        FloatVector offset = FloatVector.broadcast(F, 8f);
        int x0 = Math.min(t, n - 1) * cols;
        int x1 = Math.min(t + 1, n - 1) * cols;
        int x2 = Math.min(t + 2, n - 1) * cols;
        int x3 = Math.min(t + 3, n - 1) * cols;
        int x4 = Math.min(t + 4, n - 1) * cols;
        int x5 = Math.min(t + 5, n - 1) * cols;
        int x6 = Math.min(t + 6, n - 1) * cols;
        int x7 = Math.min(t + 7, n - 1) * cols;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            long col = off + 2L * G;
            for (int p = 0; p < 16; p++) {
                int kl = b * BLOCK + p;
                int kh = kl + 16;
                // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                IntVector first = v.and(0xff);
                IntVector second = v.lanewise(VectorOperators.LSHR, 16);
                FloatVector l0 = ((FloatVector) first.and(15).convertShape(VectorOperators.I2F, F, 0)).sub(offset).mul(s0);
                FloatVector l1 = ((FloatVector) second.and(15).convertShape(VectorOperators.I2F, F, 0)).sub(offset).mul(s1);
                FloatVector h0 = ((FloatVector) first.lanewise(VectorOperators.LSHR, 4)
                        .convertShape(VectorOperators.I2F, F, 0)).sub(offset).mul(s0);
                FloatVector h1 = ((FloatVector) second.lanewise(VectorOperators.LSHR, 4)
                        .convertShape(VectorOperators.I2F, F, 0)).sub(offset).mul(s1);
                FloatVector xl = FloatVector.broadcast(F, x[x0 + kl]);
                FloatVector xh = FloatVector.broadcast(F, x[x0 + kh]);
                a00 = h0.fma(xh, l0.fma(xl, a00));
                a01 = h1.fma(xh, l1.fma(xl, a01));
                xl = FloatVector.broadcast(F, x[x1 + kl]);
                xh = FloatVector.broadcast(F, x[x1 + kh]);
                a10 = h0.fma(xh, l0.fma(xl, a10));
                a11 = h1.fma(xh, l1.fma(xl, a11));
                xl = FloatVector.broadcast(F, x[x2 + kl]);
                xh = FloatVector.broadcast(F, x[x2 + kh]);
                a20 = h0.fma(xh, l0.fma(xl, a20));
                a21 = h1.fma(xh, l1.fma(xl, a21));
                xl = FloatVector.broadcast(F, x[x3 + kl]);
                xh = FloatVector.broadcast(F, x[x3 + kh]);
                a30 = h0.fma(xh, l0.fma(xl, a30));
                a31 = h1.fma(xh, l1.fma(xl, a31));
                if (eight) {
                    xl = FloatVector.broadcast(F, x[x4 + kl]);
                    xh = FloatVector.broadcast(F, x[x4 + kh]);
                    a40 = h0.fma(xh, l0.fma(xl, a40));
                    a41 = h1.fma(xh, l1.fma(xl, a41));
                    xl = FloatVector.broadcast(F, x[x5 + kl]);
                    xh = FloatVector.broadcast(F, x[x5 + kh]);
                    a50 = h0.fma(xh, l0.fma(xl, a50));
                    a51 = h1.fma(xh, l1.fma(xl, a51));
                    xl = FloatVector.broadcast(F, x[x6 + kl]);
                    xh = FloatVector.broadcast(F, x[x6 + kh]);
                    a60 = h0.fma(xh, l0.fma(xl, a60));
                    a61 = h1.fma(xh, l1.fma(xl, a61));
                    xl = FloatVector.broadcast(F, x[x7 + kl]);
                    xh = FloatVector.broadcast(F, x[x7 + kh]);
                    a70 = h0.fma(xh, l0.fma(xl, a70));
                    a71 = h1.fma(xh, l1.fma(xl, a71));
                }
            }
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, V);
        a10.intoArray(tmp, G);
        a11.intoArray(tmp, G + V);
        a20.intoArray(tmp, 2 * G);
        a21.intoArray(tmp, 2 * G + V);
        a30.intoArray(tmp, 3 * G);
        a31.intoArray(tmp, 3 * G + V);
        if (eight) {
            a40.intoArray(tmp, 4 * G);
            a41.intoArray(tmp, 4 * G + V);
            a50.intoArray(tmp, 5 * G);
            a51.intoArray(tmp, 5 * G + V);
            a60.intoArray(tmp, 6 * G);
            a61.intoArray(tmp, 6 * G + V);
            a70.intoArray(tmp, 7 * G);
            a71.intoArray(tmp, 7 * G + V);
        }
    }

    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        FloatVector eight = FloatVector.broadcast(F, 8f);
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            long col = off + 2L * G;
            for (int p = 0; p < 16; p++) {
                int lo = (b * BLOCK + p) * G;
                int hi = (b * BLOCK + p + 16) * G;
                // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                IntVector first = v.and(0xff);
                IntVector second = v.lanewise(VectorOperators.LSHR, 16);
                ((FloatVector) first.and(15).convertShape(VectorOperators.I2F, F, 0)).sub(eight).mul(s0)
                        .intoArray(panel, po + lo);
                ((FloatVector) second.and(15).convertShape(VectorOperators.I2F, F, 0)).sub(eight).mul(s1)
                        .intoArray(panel, po + lo + V);
                ((FloatVector) first.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .sub(eight).mul(s0).intoArray(panel, po + hi);
                ((FloatVector) second.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                        .sub(eight).mul(s1).intoArray(panel, po + hi + V);
            }
        }
    }

    /**
     * The {@link IntGemm} panel: a byte of a block holds columns {@code p} and {@code p + 16} of a
     * row, the pair the panel wants, so each 32-bit lane of a column's bytes (rows {@code i} and
     * {@code V+i}, {@link Halves}) gives each of its two rows' pair with shifts and masks.
     */
    @Override
    protected boolean fillIntPanel(int r0, short[] panel, int po, float[] numbers) {
        MemorySegment d = data;
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        ShortVector eight = ShortVector.broadcast(S_G, (short) 8);
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, numbers, b * G, normalScales);
            long col = off + 2L * G;
            for (int p = 0; p < 16; p++) {
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                int at = po + (b * 16 + p) * 2 * G;
                // Row i: low nibble to bits 0-3, high nibble to bits 16-19; row V+i from bits 16-23.
                v.and(0xf).or(v.lanewise(VectorOperators.LSHL, 12).and(0xf0000)).reinterpretAsShorts().sub(eight)
                        .intoArray(panel, at);
                v.lanewise(VectorOperators.LSHR, 16).and(0xf).or(v.lanewise(VectorOperators.LSHR, 4).and(0xf0000))
                        .reinterpretAsShorts().sub(eight).intoArray(panel, at + G);
            }
        }
        return false;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = row % G;
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float d = LittleEndian.half(data, off + 2L * Halves.position(r));
            long col = off + 2L * G + Halves.position(r);
            for (int p = 0; p < 16; p++) {
                int v = data.get(LittleEndian.BYTE, col + (long) p * G) & 0xff;
                out[outOff + b * BLOCK + p] = ((v & 15) - 8) * d;
                out[outOff + b * BLOCK + p + 16] = ((v >> 4) - 8) * d;
            }
        }
    }
}
