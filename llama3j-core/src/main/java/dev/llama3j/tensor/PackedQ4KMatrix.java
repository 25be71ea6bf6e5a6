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
 * Q4_K weights (the bulk of Q4_K_M files) repacked at load time into {@link KGroupPacker}'s layout:
 * rows in groups of {@link Gemm#G}; per 256-value super-block 128 columns of G bytes, then the rows'
 * d and dmin and the 8 sub-block scales and mins unpacked to bytes. Each byte holds two values of
 * one 32-value sub-block ({@link KGroupPacker#pairNibbles}): column {@code 32c + 2p} holds values
 * {@code 64c + p} (low nibble) and {@code 64c + 16 + p} (high), column {@code 32c + 2p + 1} values
 * {@code 64c + 32 + p} and {@code 64c + 48 + p}. 148 bytes per row and super-block where the file has
 * 144: 4.625 bits per weight. The nibbles and the fp16 fields are the file's, reordered; only the
 * 6-bit scales and mins are unpacked to bytes.
 *
 * <p>Generating works like {@link PackedQ4Matrix}: nibbles (less 8) times the input quantized to 8
 * bits in 16-bit lanes, one wrapping short sum a sub-block; but the input is quantized per
 * super-block ({@link MatmulInput#kq}, as llama.cpp's Q8_K), so that the scales and mins multiply
 * the sums in integers and a super-block ends with one conversion to fp32 a row
 * ({@link KSuperBlock#addIntegerSums}). Prompts go through the fp32 {@link Gemm} path, or where
 * {@link IntGemm} suits the host through its 16-bit integer tiles (with the input per 32 values).
 */
final class PackedQ4KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 256;
    private static final int SUB = 32;
    private static final int DMIN = KGroupPacker.DMIN;
    private static final int SCALES = KGroupPacker.SCALES;
    private static final int MINS = KGroupPacker.MINS;
    private static final int VALUES = KGroupPacker.DATA;
    static final int GROUP_BLOCK_BYTES = KGroupPacker.groupBlockBytes(128);
    /** Where a group super-block's header (d, dmin, scales, mins) starts: after its bits. */
    private static final int HEAD = KGroupPacker.headerAt(128);

    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    /** The nibble shift as a vector ({@link Species#SHIFT_BY_VECTOR}). */
    private static final ShortVector FOUR = ShortVector.broadcast(S_G, (short) 4);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int blocks;
    /** 1 or 2: how the generation kernel reads a group's blocks ({@link KernelTuning}). */
    private final int streams;
    /** Whether steps of {@link #FUSED_MIN_TOKENS} inputs and more use {@link #fused} ({@link KernelTuning}). */
    private final boolean fusedColumns;
    /** Whether prompts go through {@link IntGemm} ({@link IntGemm#suits}). */
    private final boolean integerPrompts;
    /** Whether every d and dmin is a normal half, widened the short way ({@link KSuperBlock#addIntegerSums}). */
    private final boolean normalScales;

    private PackedQ4KMatrix(String name, int rows, int cols, MemorySegment packed, KernelTuning tuning,
            boolean normalScales) {
        super(name, GgmlType.Q4_K, rows, cols, packed);
        this.normalScales = normalScales;
        this.streams = tuning.readStreams();
        this.fusedColumns = tuning.fusedColumns();
        this.integerPrompts = IntGemm.suits(tuning);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q4_K rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ4KMatrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        GroupPacker.Packed packed = KGroupPacker.pack(data, rows, cols, Q4_KMatrix.BLOCK_BYTES, true, arena, pool);
        return new PackedQ4KMatrix(name, rows, cols, packed.segment(), KernelTuning.HOST, packed.normalScales());
    }

    @Override
    WeightMatrix withTuning(KernelTuning tuning) {
        return new PackedQ4KMatrix(name(), rows, cols, data, tuning, normalScales);
    }

    @Override
    public int rowGrain() {
        return G;
    }

    /**
     * From 12 inputs the fp32 GEMM path is as fast per input as the integer kernels (single thread,
     * in cache: 35 vs 32 Gweights/s at 12; at 5 it is 13 vs 32, the panel costing as much as the
     * products).
     */
    @Override
    protected int gemmMinTokens() {
        return 12;
    }

    @Override
    public boolean usesQuantizedInput(int n) {
        return usesIntGemm(n);
    }

    /**
     * How many of a step's {@code n} inputs the first {@link #pass} takes (the first eight, or four;
     * the rest go through passes of two and kernel1): with the integer kernels' tuning and AVX-512's
     * 32 registers, from 4 inputs.
     */
    private int firstPassInputs(int n) {
        return !fusedColumns && V == 16 && n >= 4 ? (n >= 8 ? 8 : 4) : 0;
    }

    @Override
    public void prepareInput(MatmulInput in) {
        super.prepareInput(in);
        int n = in.n();
        if (usesSuperBlockInput(n)) { // kernel1 and chunk read them
            in.ensureSuperByteInputs();
        }
    }

    @Override
    protected boolean usesSuperBlockInput(int n) {
        return n < gemmMinTokens() && !usesFusedKernel(n);
    }

    @Override
    protected boolean usesIntGemm(int n) {
        return integerPrompts && n >= gemmMinTokens();
    }

    /**
     * From 8 to 16 inputs (a decoding step of many sequences) {@link #fused} dequantizes each
     * column into registers for eight inputs at a time (then four for the rest). Four at a time was
     * already 10-15% faster than four passes of two ({@link #pass}) at 8 inputs (8192 × 2048, 2
     * threads, from memory: 1.54 vs 1.66-1.83 ms); eight, which dequantizes each column once
     * instead of twice, made 8 sequences of a 1B Q4_K_M file 20-25% faster again (with Q6_K's,
     * Intel Xeon host); with 3 to 6 inputs, slower (the fp32 dequantization costs more than the
     * integer kernels' shared loads save). On the AMD EPYC host the integer kernels win at 8 too
     * (8 sequences 51-56 against 60-62 tok/s), and keep it there ({@link KernelTuning#fusedColumns}).
     */
    static final int FUSED_MIN_TOKENS = 8;
    static final int FUSED_MAX_TOKENS = 16;

    /** With 16-float vectors only: its 16 accumulators, 8 factors and 4 weight vectors need AVX-512's 32 registers. */
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
            if (n == 1) {
                kernel1(g, in, 0, out, g * G, count);
            } else {
                kernelMany(g, in, out, outStride, count);
            }
        }
    }

    // Two rules keep C2 compiling these kernels to plain vector code (measured: breaking either gave
    // 5-30x slowdowns from boxed vectors in some runs and not in others, depending on the order of
    // compilation):
    //  - a vector carried around a loop gets each new value from a method called on a vector whose
    //    class C2 knows without profiling (a load, a broadcast, or a result of such calls):
    //    acc = x.add(acc), never acc = acc.add(x). The loop's phi then has a known class too; called
    //    on the phi itself, the method's class comes from profiling, which a method compiled
    //    straight from the interpreter may lack, and then nothing in the loop is intrinsified;
    //  - no vector crosses a call that C2 may decline to inline. The kernels leave their integer
    //    sums in an array, and the fp32 work of a super-block is done by KSuperBlock.addIntegerSums, which
    //    takes arrays; this also keeps each method well within C2's size limits.
    //
    // Per super-block and row (the input scaled once a super-block): d·dx · Σj sc_j·Σ q·xq  −  dmin·dx · Σj m_j·Σ xq.

    /**
     * One input. The group's super-blocks are read as two streams, the first half and the second
     * half, a 32-column chunk (G·32 bytes) from each in turn: with this much work per byte one
     * stream leaves the memory idle while the core computes, and two streams keep twice the
     * prefetches in flight (SPEED.md, finding 14: 4096 × 14336 from memory 18.7-21.5 → 21.8-23.7
     * GB/s; alternating whole super-blocks instead was slower than one stream). On the AMD EPYC
     * host one stream is faster ({@link KernelTuning}): there {@code half} is all the blocks.
     */
    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.kqByte;
        MemorySegment d = data;
        short[] sums = Scratch.sums();
        float[] acc = Scratch.acc(1);
        float[] dd = Scratch.scales();
        java.util.Arrays.fill(acc, 0, G, 0f);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int x0 = t * cols;
        int half = streams == 1 ? blocks : (blocks + 1) >> 1;
        for (int i = 0; i < half; i++) {
            int pair = i + half < blocks ? 2 : 1; // an odd count leaves the first half one longer
            for (int c = 0; c < 4; c++) {
                for (int s = 0; s < pair; s++) {
                    int b = i + s * half;
                    long col = base + (long) b * GROUP_BLOCK_BYTES + VALUES + (long) c * SUB * G;
                    int xo = x0 + b * BLOCK + c * 2 * SUB;
                    // Sub-block 2c from the even columns, 2c + 1 from the odd ones, each one 16-bit
                    // sum of 32 products of the nibbles less 8 (MatmulInput.superCentredStart): the
                    // whole byte times value p's input, plus its high nibble times kqByte's second
                    // factor. Two sums a sub-block, added at its end, halve the chains of adds.
                    int qj = (t * blocks + b) * 8 + 2 * c;
                    ShortVector lo = ShortVector.broadcast(S_G, in.superCentredStart(qj));
                    ShortVector hi = ShortVector.broadcast(S_G, in.superCentredStart(qj + 1));
                    ShortVector lo2 = ShortVector.zero(S_G);
                    ShortVector hi2 = lo2;
                    for (int p = 0; p < 16; p++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) 2 * p * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                        ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) (2 * p + 1) * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                        lo = v.mul(ShortVector.broadcast(S_G, q[xo + p])).add(lo);
                        hi = w.mul(ShortVector.broadcast(S_G, q[xo + SUB + p])).add(hi);
                        lo2 = (Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4)).mul(ShortVector.broadcast(S_G, q[xo + 16 + p])).add(lo2);
                        hi2 = (Species.SHIFT_BY_VECTOR ? w.lanewise(VectorOperators.LSHR, FOUR) : w.lanewise(VectorOperators.LSHR, 4)).mul(ShortVector.broadcast(S_G, q[xo + SUB + 16 + p])).add(hi2);
                    }
                    // Stream s's super-block in sums[8·G·s ...).
                    int so = 8 * G * s;
                    lo2.add(lo).intoArray(sums, so + 2 * c * G);
                    hi2.add(hi).intoArray(sums, so + (2 * c + 1) * G);
                }
            }
            for (int s = 0; s < pair; s++) { // one call site: C2 inlines at most one copy
                int b = i + s * half;
                KSuperBlock.addIntegerSums(d, base + (long) b * GROUP_BLOCK_BYTES + HEAD, normalScales, sums, 8 * G * s,
                        in, t * blocks + b, blocks, 1, acc, 0, dd);
            }
        }
        System.arraycopy(acc, 0, out, outOff, count);
    }

    /**
     * Two or more inputs (a step of several sequences): passes of {@link #pass} over the group, two
     * inputs each, the first from memory and the others from the caches. An odd count's last input
     * goes through {@link #kernel1} (a pass of two with it repeated took 3 inputs 15-25% longer).
     * With 4 inputs or more, the integer kernels' tuning and 32 vector registers the first eight (or
     * four) take one pass instead (256 × 2048, in the caches, 8 inputs 88 → 74-78 µs, 4 inputs 45-54
     * → 40: docs/SPEED.md, finding 31).
     */
    private void kernelMany(int g, MatmulInput in, float[] out, int outStride, int count) {
        int n = in.n();
        int pairs = n / 2;
        float[] acc = Scratch.acc(2 * pairs);
        java.util.Arrays.fill(acc, 0, 2 * pairs * G, 0f);
        // With the integer kernels' tuning (AMD; Intel's steps of 4 to 7 keep passes of two, as
        // measured there) and AVX-512's 32 registers for a chunk's 16 sums and their broadcasts.
        int first = firstPassInputs(n);
        if (first > 0) {
            pass(g, in, 0, first, acc);
        }
        for (int t = first; t < 2 * pairs; t += 2) {
            pass(g, in, t, 2, acc);
        }
        for (int t = 0; t < 2 * pairs; t++) {
            System.arraycopy(acc, t * G, out, t * outStride + g * G, count);
        }
        if (n % 2 != 0) { // after the copies: kernel1 takes the same scratch accumulators
            kernel1(g, in, n - 1, out, (n - 1) * outStride + g * G, count);
        }
    }

    /**
     * Inputs {@code t} to {@code t + n − 1} ({@code n} 2, 4 or 8) times group {@code g}, added to
     * {@code acc[t·G ..)}, in one pass over the super-blocks (docs/SPEED.md, finding 31):
     * {@link #chunk} takes each chunk of 32 columns, four inputs at a time (the second four read it
     * from L1), and {@link KSuperBlock#addIntegerSums} scales a super-block's sums. Four at a time
     * because each product of a column goes into a sum of its own, one add each a column, as in
     * {@link #kernel1}: eight inputs at once would need 32 sums, and two products added into one sum a
     * column ran 20-25% slower (finding 44).
     */
    private void pass(int g, MatmulInput in, int t, int n, float[] acc) {
        MemorySegment d = data;
        short[] sums = Scratch.sums();
        float[] dd = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            for (int c = 0; c < 4; c++) {
                for (int i = 0; i < n; i += 4) {
                    chunk(in, off + VALUES + (long) c * SUB * G, b, c, t + i, n - i >= 4, sums, 8 * i * G);
                }
            }
            KSuperBlock.addIntegerSums(d, off + HEAD, normalScales, sums, 0, in, t * blocks + b, blocks, n, acc, t * G, dd);
        }
    }

    /**
     * Inputs {@code t} and {@code t + 1}, and {@code t + 2} and {@code t + 3} where {@code four}, times
     * chunk {@code c} (its 32 columns at {@code col}) of super-block {@code b}: input {@code t + i}'s
     * sub-block {@code 2c + h} at {@code sums[so + (8i + 2c + h)·G]}. Each column is loaded and its
     * high nibbles shifted out once for all of them, as {@link #kernel1} reads them (the test of
     * {@code four} does not change inside the loop, so C2 takes it out of it).
     */
    private void chunk(MatmulInput in, long col, int b, int c, int t, boolean four, short[] sums, int so) {
        short[] q = in.kqByte;
        MemorySegment d = data;
        int x0 = (t + 0) * cols + b * BLOCK + c * 2 * SUB;
        int x1 = (t + 1) * cols + b * BLOCK + c * 2 * SUB;
        int x2 = (t + 2) * cols + b * BLOCK + c * 2 * SUB;
        int x3 = (t + 3) * cols + b * BLOCK + c * 2 * SUB;
        // Input value x opens its 32-value block x / SUB (superCentredStart's index).
        ShortVector l0 = ShortVector.broadcast(S_G, in.superCentredStart(x0 / SUB));
        ShortVector h0 = ShortVector.broadcast(S_G, in.superCentredStart(x0 / SUB + 1));
        ShortVector l1 = ShortVector.broadcast(S_G, in.superCentredStart(x1 / SUB));
        ShortVector h1 = ShortVector.broadcast(S_G, in.superCentredStart(x1 / SUB + 1));
        ShortVector l2 = l0, h2 = l0, l3 = l0, h3 = l0;
        if (four) {
            l2 = ShortVector.broadcast(S_G, in.superCentredStart(x2 / SUB));
            h2 = ShortVector.broadcast(S_G, in.superCentredStart(x2 / SUB + 1));
            l3 = ShortVector.broadcast(S_G, in.superCentredStart(x3 / SUB));
            h3 = ShortVector.broadcast(S_G, in.superCentredStart(x3 / SUB + 1));
        }
        ShortVector m0 = ShortVector.zero(S_G);
        ShortVector n0 = m0, m1 = m0, n1 = m0, m2 = m0, n2 = m0, m3 = m0, n3 = m0;
        for (int p = 0; p < 16; p++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) 2 * p * G, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
            ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) (2 * p + 1) * G, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
            ShortVector vh = (Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4));
            ShortVector wh = (Species.SHIFT_BY_VECTOR ? w.lanewise(VectorOperators.LSHR, FOUR) : w.lanewise(VectorOperators.LSHR, 4));
            l0 = v.mul(ShortVector.broadcast(S_G, q[x0 + p])).add(l0);
            h0 = w.mul(ShortVector.broadcast(S_G, q[x0 + SUB + p])).add(h0);
            m0 = vh.mul(ShortVector.broadcast(S_G, q[x0 + 16 + p])).add(m0);
            n0 = wh.mul(ShortVector.broadcast(S_G, q[x0 + SUB + 16 + p])).add(n0);
            l1 = v.mul(ShortVector.broadcast(S_G, q[x1 + p])).add(l1);
            h1 = w.mul(ShortVector.broadcast(S_G, q[x1 + SUB + p])).add(h1);
            m1 = vh.mul(ShortVector.broadcast(S_G, q[x1 + 16 + p])).add(m1);
            n1 = wh.mul(ShortVector.broadcast(S_G, q[x1 + SUB + 16 + p])).add(n1);
            if (four) {
                l2 = v.mul(ShortVector.broadcast(S_G, q[x2 + p])).add(l2);
                h2 = w.mul(ShortVector.broadcast(S_G, q[x2 + SUB + p])).add(h2);
                m2 = vh.mul(ShortVector.broadcast(S_G, q[x2 + 16 + p])).add(m2);
                n2 = wh.mul(ShortVector.broadcast(S_G, q[x2 + SUB + 16 + p])).add(n2);
                l3 = v.mul(ShortVector.broadcast(S_G, q[x3 + p])).add(l3);
                h3 = w.mul(ShortVector.broadcast(S_G, q[x3 + SUB + p])).add(h3);
                m3 = vh.mul(ShortVector.broadcast(S_G, q[x3 + 16 + p])).add(m3);
                n3 = wh.mul(ShortVector.broadcast(S_G, q[x3 + SUB + 16 + p])).add(n3);
            }
        }
        int j = 2 * c;
        m0.add(l0).intoArray(sums, so + (0 + j) * G);
        n0.add(h0).intoArray(sums, so + (0 + j + 1) * G);
        m1.add(l1).intoArray(sums, so + (8 + j) * G);
        n1.add(h1).intoArray(sums, so + (8 + j + 1) * G);
        if (four) {
            m2.add(l2).intoArray(sums, so + (16 + j) * G);
            n2.add(h2).intoArray(sums, so + (16 + j + 1) * G);
            m3.add(l3).intoArray(sums, so + (24 + j) * G);
            n3.add(h3).intoArray(sums, so + (24 + j + 1) * G);
        }
    }

    /**
     * Inputs {@code [t, t+4)}, or {@code [t, t+8)} when {@code eight} (those past {@code n} repeat
     * the last), times group {@code g}, in fp32, into {@code tmp[i*G + r]}: each column's nibbles
     * become the weights exactly as in {@link #fillPanel} ({@code (d·scale)·q − dmin·min}), in four
     * vectors that feed 16 or 32 FMAs. One method for both counts, so
     * the code is written once (the test of {@code eight} does not change inside the loops, so C2
     * takes it out of them).
     */
    private void fused(int g, float[] x, int n, int t, float[] tmp, boolean eight) {
        MemorySegment d = data;
        float[] f = Scratch.factors();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
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
            KSuperBlock.rowFactors(d, off + HEAD, f);
            // Sub-block j from chunk j / 2's even (j even) or odd columns: values m and m + 16 of
            // column 2m + j % 2.
            for (int j = 0; j < 8; j++) {
                FloatVector f0 = FloatVector.fromArray(F, f, j * G);
                FloatVector f1 = FloatVector.fromArray(F, f, j * G + V);
                FloatVector n0 = FloatVector.fromArray(F, f, (8 + j) * G);
                FloatVector n1 = FloatVector.fromArray(F, f, (8 + j) * G + V);
                long col = off + VALUES + (long) (j >> 1) * SUB * G + (long) (j & 1) * G;
                int k = b * BLOCK + j * SUB;
                for (int m = 0; m < 16; m++) {
                    // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                    IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) 2 * m * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                    IntVector first = v.and(0xff);
                    IntVector second = v.lanewise(VectorOperators.LSHR, 16);
                    FloatVector l0 = ((FloatVector) first.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(f0).sub(n0);
                    FloatVector l1 = ((FloatVector) second.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(f1).sub(n1);
                    FloatVector h0 = ((FloatVector) first.lanewise(VectorOperators.LSHR, 4)
                            .convertShape(VectorOperators.I2F, F, 0)).mul(f0).sub(n0);
                    FloatVector h1 = ((FloatVector) second.lanewise(VectorOperators.LSHR, 4)
                            .convertShape(VectorOperators.I2F, F, 0)).mul(f1).sub(n1);
                    int kl = k + m;
                    int kh = k + 16 + m;
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

    /**
     * Dequantizes with the reference's operations ({@code (d·scale)·q − dmin·min}, each rounded to
     * fp32), so that the panel holds exactly the values of {@link #dequantizeRow}.
     */
    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        float[] f = Scratch.factors();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            KSuperBlock.rowFactors(d, off + HEAD, f);
            // Sub-block j from chunk j / 2's even (j even) or odd columns: values m and m + 16 of
            // column 2m + j % 2.
            for (int j = 0; j < 8; j++) {
                FloatVector f0 = FloatVector.fromArray(F, f, j * G);
                FloatVector f1 = FloatVector.fromArray(F, f, j * G + V);
                FloatVector n0 = FloatVector.fromArray(F, f, (8 + j) * G);
                FloatVector n1 = FloatVector.fromArray(F, f, (8 + j) * G + V);
                long col = off + VALUES + (long) (j >> 1) * SUB * G + (long) (j & 1) * G;
                int k = b * BLOCK + j * SUB;
                for (int m = 0; m < 16; m++) {
                    int lo = (k + m) * G;
                    int hi = (k + 16 + m) * G;
                    // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                    IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) 2 * m * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                    IntVector first = v.and(0xff);
                    IntVector second = v.lanewise(VectorOperators.LSHR, 16);
                    ((FloatVector) first.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(f0).sub(n0)
                            .intoArray(panel, po + lo);
                    ((FloatVector) second.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(f1).sub(n1)
                            .intoArray(panel, po + lo + V);
                    ((FloatVector) first.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .mul(f0).sub(n0).intoArray(panel, po + hi);
                    ((FloatVector) second.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .mul(f1).sub(n1).intoArray(panel, po + hi + V);
                }
            }
        }
    }

    /**
     * The {@link IntGemm} panel: a pair {@code (p, p + 16)} of sub-block {@code j} is one byte, the
     * two nibbles of chunk {@code j / 2}'s column {@code 2p + j % 2}. A weight {@code d·scale·q − dmin·min} is
     * {@code d·scale·(q − 8) + (8·d·scale − dmin·min)}: the panel holds {@code q − 8}, the block's
     * scale {@code d·scale} and its offset {@code 8·d·scale − dmin·min}.
     */
    @Override
    protected boolean fillIntPanel(int r0, short[] panel, int po, float[] numbers) {
        MemorySegment d = data;
        float[] f = Scratch.factors();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        int offsets = cols / SUB * G;
        ShortVector eight = ShortVector.broadcast(S_G, (short) 8);
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            KSuperBlock.rowFactors(d, off + HEAD, f);
            for (int j = 0; j < 8; j++) {
                int at = (b * 8 + j) * G;
                for (int r = 0; r < G; r += V) {
                    FloatVector scale = FloatVector.fromArray(F, f, j * G + r);
                    scale.intoArray(numbers, at + r);
                    scale.mul(8f).sub(FloatVector.fromArray(F, f, (8 + j) * G + r)).intoArray(numbers, offsets + at + r);
                }
            }
            for (int j = 0; j < 8; j++) {
                long col = off + VALUES + (long) (j >> 1) * SUB * G + (long) (j & 1) * G;
                for (int p = 0; p < 16; p++) {
                    // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23; each
                    // becomes its low nibble in the low 16 bits and its high nibble in the high 16.
                    IntVector a = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) 2 * p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                    int at = po + ((b * 8 + j) * 16 + p) * 2 * G;
                    a.and(0xf).or(a.lanewise(VectorOperators.LSHL, 12).and(0xf0000)).reinterpretAsShorts().sub(eight)
                            .intoArray(panel, at);
                    a.lanewise(VectorOperators.LSHR, 16).and(0xf).or(a.lanewise(VectorOperators.LSHR, 4).and(0xf0000))
                            .reinterpretAsShorts().sub(eight).intoArray(panel, at + G);
                }
            }
        }
        return true;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = row % G;
        int pos = Halves.position(r);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float d = LittleEndian.half(data, off + HEAD + 2L * pos);
            float dmin = LittleEndian.half(data, off + HEAD + DMIN + 2L * pos);
            for (int c = 0; c < 4; c++) {
                int j = 2 * c;
                float d1 = d * u8(off + HEAD + SCALES + (long) j * G + r);
                float m1 = dmin * u8(off + HEAD + MINS + (long) j * G + r);
                float d2 = d * u8(off + HEAD + SCALES + (long) (j + 1) * G + r);
                float m2 = dmin * u8(off + HEAD + MINS + (long) (j + 1) * G + r);
                long col = off + VALUES + (long) c * SUB * G + pos;
                int o = outOff + b * BLOCK + c * 2 * SUB;
                for (int p = 0; p < 16; p++) {
                    int v = u8(col + (long) 2 * p * G);
                    int w = u8(col + (long) (2 * p + 1) * G);
                    out[o + p] = d1 * (v & 15) - m1;
                    out[o + 16 + p] = d1 * (v >>> 4) - m1;
                    out[o + SUB + p] = d2 * (w & 15) - m2;
                    out[o + SUB + 16 + p] = d2 * (w >>> 4) - m2;
                }
            }
        }
    }

    private int u8(long off) {
        return data.get(LittleEndian.BYTE, off) & 0xff;
    }
}
