package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K weights (llama.cpp's usual type for the output layer of Q4 files) repacked at load time like
 * {@link PackedQ4Matrix}: rows in groups of {@link Gemm#G}; per 256-value super-block, the rows' fp16
 * {@code d}, then for each of the 16 sub-blocks the rows' scales (signed bytes) followed by its 16
 * columns of {@code G} signed bytes, the 6-bit values already unpacked and centred ({@code q - 32});
 * rows in {@link Halves}' interleaved order throughout. One byte per weight instead of 0.82, in
 * exchange for kernels with no bit unpacking; the values and scales are exactly the file's. Or, in a
 * model whose weights are mostly Q6_K ({@link Q6KLayout}), each sub-block's values in
 * {@link Q6KColumns}' 6-bit form, decoded with shifts in the generation kernel: fewer bytes, more
 * instructions (docs/SPEED.md, findings 24 and 36). Every
 * byte is read in the order it is stored: with the 16 scales gathered at the super-block's start
 * (read back and forth with the values) the product ran 2.7 times slower once the weights no longer
 * fit the caches, as the hardware prefetcher follows forward streams only.
 *
 * <p>Generating multiplies the values with the input quantized to 8 bits per super-block
 * ({@link MatmulInput#kq}, as llama.cpp's Q6_K × Q8_K dot product does) in 16-bit lanes, one lane
 * per row: 8 products of a value (at most 32 in magnitude) and an 8-bit input (at most 127) fit a
 * 16-bit sum; the two halves of a sub-block are widened to 32 bits, multiplied by the sub-block
 * scale and summed over the super-block in integers (at most 16 · 16 × 32 × 127 × 128 &lt; 2^31),
 * then converted once and scaled by the row's {@code d} times the input's scale (docs/SPEED.md,
 * finding 34).
 * Steps of up to 16 sequences dequantize each column into registers for
 * eight or four of them at a time ({@link #fused}), or, where {@link KernelTuning#fusedColumns} is
 * off (AMD hosts), multiply four or two of them a pass in 16-bit lanes ({@link #kernel4},
 * {@link #kernel2}; the compact form decodes each super-block to bytes for them first); prompts go
 * through the fp32 {@link Gemm} path.
 */
final class PackedQ6KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 256;
    private static final int SUB = 16;
    static final int GROUP_BLOCK_BYTES = 2 * G + SUB * G + BLOCK * G;
    /** Bytes of one sub-block in a group: its G scales, then its 16 columns of G values. */
    private static final int SUB_BYTES = G + SUB * G;
    /** The same in the compact form ({@link Q6KColumns}): 6 bits a value. */
    private static final int COMPACT_SUB_BYTES = G + Q6KColumns.BYTES;
    /** A group's super-block in the compact form: the rows' d, then the 16 sub-blocks. */
    private static final int COMPACT_GROUP_BLOCK_BYTES = 2 * G + SUB * COMPACT_SUB_BYTES;
    /** Where sub-block 0's scales start; sub-block j's are {@code j * subBytes} further on. */
    private static final int SCALES = 2 * G;
    /** Where a sub-block's values start, from its start. */
    private static final int VALUES = G;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    /** The shift counts and the low-nibble mask of {@link Q6KColumns}' decoding. */
    private static final ShortVector SIX = Q6KColumns.SIX;
    private static final ShortVector TEN = Q6KColumns.TEN;
    private static final ShortVector TWELVE = Q6KColumns.TWELVE;
    private static final ShortVector FOURTEEN = Q6KColumns.FOURTEEN;
    private static final ShortVector LOW4 = Q6KColumns.LOW4;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int blocks;
    /** 1 or 2: how the generation kernel reads a group's blocks ({@link KernelTuning}). */
    private final int streams;
    /** Whether steps of several inputs take the fp32 columns ({@link #fused}) or the integer kernels ({@link KernelTuning}). */
    private final boolean fusedColumns;
    /** Whether the values are in {@link Q6KColumns}' 6-bit form rather than a byte each. */
    private final boolean compact;
    /** Bytes of a sub-block (scales and values) and of a group's super-block, in this matrix's form. */
    private final int subBytes;
    private final int groupBlockBytes;

    private PackedQ6KMatrix(String name, int rows, int cols, MemorySegment packed, KernelTuning tuning, boolean compact) {
        super(name, GgmlType.Q6_K, rows, cols, packed);
        this.streams = tuning.readStreams();
        this.fusedColumns = tuning.fusedColumns();
        this.blocks = cols / BLOCK;
        this.compact = compact;
        this.subBytes = compact ? COMPACT_SUB_BYTES : SUB_BYTES;
        this.groupBlockBytes = compact ? COMPACT_GROUP_BLOCK_BYTES : GROUP_BLOCK_BYTES;
    }

    /**
     * Repacks ggml Q6_K rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool},
     * with the values a byte each or, if {@code compact}, 6 bits each ({@link Q6KColumns}; which one:
     * {@link Q6KLayout}).
     */
    static PackedQ6KMatrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool,
            boolean compact) {
        MemorySegment[] forms = packForms(rows, cols, data, arena, pool, !compact, compact);
        return new PackedQ6KMatrix(name, rows, cols, compact ? forms[1] : forms[0], KernelTuning.HOST, compact);
    }

    /**
     * Both forms of the same rows (the byte form, then the compact one), from one pass over the file:
     * the compact form is encoded from the byte form's groups, and packing each on its own had
     * unpacked and transposed every value twice (1B Q4_K_M, four alternating loads: 4.09-4.28 s
     * against 4.15-5.45; 3.1-3.7 s with the byte form alone).
     */
    static PackedQ6KMatrix[] packBoth(String name, int rows, int cols, MemorySegment data, Arena arena,
            WorkerPool pool) {
        MemorySegment[] forms = packForms(rows, cols, data, arena, pool, true, true);
        return new PackedQ6KMatrix[] {new PackedQ6KMatrix(name, rows, cols, forms[0], KernelTuning.HOST, false),
                new PackedQ6KMatrix(name, rows, cols, forms[1], KernelTuning.HOST, true)};
    }

    /**
     * The byte form (if {@code bytes}) and the compact form (if {@code compact}) of ggml Q6_K rows
     * {@code data}, in memory from {@code arena}: {byte form, compact form}, null where not asked for.
     */
    private static MemorySegment[] packForms(int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool,
            boolean bytes, boolean compact) {
        int blocks = cols / BLOCK;
        int groups = (rows + G - 1) / G;
        long groupBytes = (long) blocks * GROUP_BLOCK_BYTES;
        long compactGroupBytes = (long) blocks * COMPACT_GROUP_BLOCK_BYTES;
        long rowBytes = (long) blocks * Q6_KMatrix.BLOCK_BYTES;
        MemorySegment packed = bytes ? arena.allocate(groups * groupBytes, 64) : null;
        MemorySegment packedCompact = compact ? arena.allocate(groups * compactGroupBytes, 64) : null;
        pool.parallelFor(groups, 1, (g0, g1) -> {
            byte[] in = new byte[(int) rowBytes];
            byte[] values = new byte[G * cols]; // [row][k], unpacked and centred
            byte[] out = new byte[(int) groupBytes];
            byte[] small = compact ? new byte[(int) compactGroupBytes] : null;
            int[] rowOffset = new int[G]; // offset in `values` of the row stored at each position
            for (int p = 0; p < G; p++) {
                rowOffset[p] = GroupPacker.rowAt(p) * cols;
            }
            for (int g = g0; g < g1; g++) {
                java.util.Arrays.fill(out, (byte) 0);
                java.util.Arrays.fill(values, (byte) 0);
                for (int r = 0; r < G && g * G + r < rows; r++) {
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (g * G + r) * rowBytes, in, 0, in.length);
                    for (int b = 0; b < blocks; b++) {
                        int blk = b * Q6_KMatrix.BLOCK_BYTES;
                        unpack(in, blk, values, r * cols + b * BLOCK);
                        int ob = b * GROUP_BLOCK_BYTES;
                        int pos = Halves.position(r);
                        out[ob + 2 * pos] = in[blk + 208];
                        out[ob + 2 * pos + 1] = in[blk + 209];
                        for (int j = 0; j < SUB; j++) {
                            out[ob + SCALES + j * SUB_BYTES + pos] = in[blk + 192 + j];
                        }
                    }
                }
                for (int b = 0; b < blocks; b++) {
                    int ov = b * GROUP_BLOCK_BYTES + SCALES + VALUES;
                    for (int r0 = 0; r0 < G; r0 += 8) {
                        for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                            int dst = ov + (k0 / SUB) * SUB_BYTES + (k0 % SUB) * G + r0;
                            GroupPacker.transpose8(values, rowOffset, r0, b * BLOCK + k0, out, dst, G);
                        }
                    }
                }
                if (compact) {
                    compact(out, blocks, small);
                    MemorySegment.copy(small, 0, packedCompact, ValueLayout.JAVA_BYTE, g * compactGroupBytes, small.length);
                }
                if (bytes) {
                    MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
                }
            }
        });
        return new MemorySegment[] {packed, packedCompact};
    }

    /** A group's super-blocks from the byte form ({@code in}) to the compact one ({@code out}). */
    private static void compact(byte[] in, int blocks, byte[] out) {
        for (int b = 0; b < blocks; b++) {
            int ib = b * GROUP_BLOCK_BYTES;
            int ob = b * COMPACT_GROUP_BLOCK_BYTES;
            System.arraycopy(in, ib, out, ob, 2 * G);
            for (int j = 0; j < SUB; j++) {
                int is = ib + SCALES + j * SUB_BYTES;
                int os = ob + SCALES + j * COMPACT_SUB_BYTES;
                System.arraycopy(in, is, out, os, G);
                Q6KColumns.encode(in, is + VALUES, out, os + VALUES);
            }
        }
    }

    @Override
    WeightMatrix withTuning(KernelTuning tuning) {
        return new PackedQ6KMatrix(name(), rows, cols, data, tuning, compact);
    }

    /** The 256 values of the Q6_K block at {@code in[blk]}, as {@code q - 32}, to {@code out[o..]}. */
    private static void unpack(byte[] in, int blk, byte[] out, int o) {
        for (int n = 0; n < 2; n++) {
            int ql = blk + 64 * n;
            int qh = blk + 128 + 32 * n;
            int y = o + 128 * n;
            for (int l = 0; l < 32; l++) {
                int h = in[qh + l] & 0xff;
                int a = in[ql + l] & 0xff;
                int c = in[ql + l + 32] & 0xff;
                out[y + l] = (byte) (((a & 15) | (h & 3) << 4) - 32);
                out[y + l + 32] = (byte) (((c & 15) | (h >> 2 & 3) << 4) - 32);
                out[y + l + 64] = (byte) (((a >> 4) | (h >> 4 & 3) << 4) - 32);
                out[y + l + 96] = (byte) (((c >> 4) | (h >> 6 & 3) << 4) - 32);
            }
        }
    }

    @Override
    public int rowGrain() {
        return G;
    }

    @Override
    protected int gemmMinTokens() {
        return 3;
    }

    @Override
    protected boolean usesSuperBlockInput(int n) {
        return n < gemmMinTokens() || integerSteps(n);
    }

    /**
     * Whether {@code n} inputs (2 to 16: a step of several sequences) go through the integer kernels,
     * four or two inputs a pass over a group's weights ({@link #steps}), rather than the fp32 columns: where
     * the tuning keeps many sequences on the integer kernels (the AMD EPYC's cores multiply 16-bit
     * integers at twice their fp32 rate: finding 23). The compact form gets there through
     * {@link #compactSteps}.
     */
    private boolean integerSteps(int n) {
        return !fusedColumns && n >= 2 && n <= FUSED_MAX_TOKENS;
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (integerSteps(n)) {
            int paired = n & ~1;
            float[] acc = Scratch.acc(paired);
            for (int g = r0 / G; g * G < r1; g++) {
                int count = Math.min(G, rows - g * G);
                if (compact) {
                    compactSteps(g, in, paired, acc);
                } else {
                    steps(data, (long) g * blocks * GROUP_BLOCK_BYTES, 0, blocks, in, paired, acc, false);
                }
                for (int t = 0; t < paired; t++) {
                    System.arraycopy(acc, t * G, out, t * outStride + g * G, count);
                }
                if (paired < n) { // after the copies: kernel1 writes partial groups through Scratch.group
                    kernel1(g, in, paired, out, paired * outStride + g * G, count);
                }
            }
            return;
        }
        if (V == 16 && n >= gemmMinTokens() && n <= FUSED_MAX_TOKENS) {
            matmulFused(this::fused, in, out, outStride, r0, r1);
            return;
        }
        if (n >= gemmMinTokens()) {
            super.matmul(in, out, outStride, r0, r1);
            return;
        }
        for (int g = r0 / G; g * G < r1; g++) {
            int count = Math.min(G, rows - g * G);
            for (int t = 0; t < n; t++) {
                kernel1(g, in, t, out, t * outStride + g * G, count);
            }
        }
    }

    /**
     * Up to this many inputs (the output layer of a step of several sequences) skip the fp32 panel:
     * {@link #fused} dequantizes each column into registers for eight inputs at a time (then four for
     * the rest). With 8 sequences the 1B output layer took 31 ms a step through the panels (written
     * and read back for only 8 tokens), a third of the step.
     */
    static final int FUSED_MAX_TOKENS = 16;

    /**
     * Inputs {@code [t, t+4)}, or {@code [t, t+8)} when {@code eight} (those past {@code n} repeat
     * the last; see PackedQ4KMatrix's fused for why one method), times group {@code g}, in fp32,
     * into {@code tmp[i*G + r]}: each column of 32 rows is dequantized exactly as in
     * {@link #fillPanel} into two vectors that feed 8 or 16 FMAs, with as many accumulators in
     * registers (AVX-512's 32 registers hold them with the temporaries; used with 16-float vectors
     * only).
     */
    private void fused(int g, float[] x, int n, int t, float[] tmp, boolean eight) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        short[] pairs = compact ? Scratch.columns() : null;
        long base = (long) g * blocks * groupBlockBytes;
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
            long off = base + (long) b * groupBlockBytes;
            Halves.widen(d, off, scales);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            if (compact) {
                Q6KColumns.toPairs(d, off + SCALES + VALUES, subBytes, pairs);
            }
            for (int j = 0; j < SUB; j++) {
                long sub = off + SCALES + (long) j * subBytes;
                IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                        .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                FloatVector s0 = d0.mul((FloatVector) sc.lanewise(VectorOperators.LSHL, 16)
                        .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0));
                FloatVector s1 = d1.mul((FloatVector) sc.lanewise(VectorOperators.ASHR, 16)
                        .convertShape(VectorOperators.I2F, F, 0));
                long col = sub + VALUES;
                int kb = b * BLOCK + j * SUB;
                for (int k = 0; k < SUB; k++) {
                    FloatVector w0;
                    FloatVector w1;
                    if (compact) {
                        // Column k's field moved to the top of each 16-bit half, sign-extended by >> 26.
                        IntVector a = ShortVector.fromArray(S_G, pairs, (8 * j + (k >> 1)) * G).reinterpretAsInts();
                        IntVector w = (k & 1) == 0 ? a : a.lanewise(VectorOperators.LSHL, 6);
                        w0 = ((FloatVector) w.lanewise(VectorOperators.LSHL, 16)
                                .lanewise(VectorOperators.ASHR, 26).convertShape(VectorOperators.I2F, F, 0)).mul(s0);
                        w1 = ((FloatVector) w.lanewise(VectorOperators.ASHR, 26)
                                .convertShape(VectorOperators.I2F, F, 0)).mul(s1);
                    } else {
                        IntVector w = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                                .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                        w0 = ((FloatVector) w.lanewise(VectorOperators.LSHL, 16)
                                .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0)).mul(s0);
                        w1 = ((FloatVector) w.lanewise(VectorOperators.ASHR, 16)
                                .convertShape(VectorOperators.I2F, F, 0)).mul(s1);
                    }
                    FloatVector xv = FloatVector.broadcast(F, x[x0 + kb + k]);
                    a00 = w0.fma(xv, a00);
                    a01 = w1.fma(xv, a01);
                    xv = FloatVector.broadcast(F, x[x1 + kb + k]);
                    a10 = w0.fma(xv, a10);
                    a11 = w1.fma(xv, a11);
                    xv = FloatVector.broadcast(F, x[x2 + kb + k]);
                    a20 = w0.fma(xv, a20);
                    a21 = w1.fma(xv, a21);
                    xv = FloatVector.broadcast(F, x[x3 + kb + k]);
                    a30 = w0.fma(xv, a30);
                    a31 = w1.fma(xv, a31);
                    if (eight) {
                        xv = FloatVector.broadcast(F, x[x4 + kb + k]);
                        a40 = w0.fma(xv, a40);
                        a41 = w1.fma(xv, a41);
                        xv = FloatVector.broadcast(F, x[x5 + kb + k]);
                        a50 = w0.fma(xv, a50);
                        a51 = w1.fma(xv, a51);
                        xv = FloatVector.broadcast(F, x[x6 + kb + k]);
                        a60 = w0.fma(xv, a60);
                        a61 = w1.fma(xv, a61);
                        xv = FloatVector.broadcast(F, x[x7 + kb + k]);
                        a70 = w0.fma(xv, a70);
                        a71 = w1.fma(xv, a71);
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
     * One input. The group's super-blocks are read as two streams, the first half and the second
     * half, a sub-block (G + 16·G bytes) from each in turn: two streams keep more prefetches in
     * flight while the core computes than one (SPEED.md, finding 14: 14336 × 4096 from memory
     * 21.2-21.5 → 24.0 GB/s; two sub-blocks from each in turn gained nothing). Each sub-block's sum
     * is scaled by {@code d · dx} at once, so the two streams share the accumulators. On the AMD
     * EPYC host one stream is faster ({@link KernelTuning}): there {@code half} is all the blocks.
     * Written out in full on purpose: see PackedQ8Matrix.
     */
    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        // Two methods, not one with a test of the form inside its loops: C2 compiles each from its own
        // profile. As one, a process that used both forms (an output layer in both, TwoLayoutMatrix)
        // ran the byte form's output product in 11-19 ms against 6.6-8.2 where the byte form was the
        // model's (docs/SPEED.md, finding 45).
        if (compact) {
            kernel1Compact(g, in, t, out, outOff, count);
        } else {
            kernel1Byte(g, in, t, out, outOff, count);
        }
    }

    /** {@link #kernel1} for the byte form. */
    private void kernel1Byte(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.kq;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        // Each stream's super-block sums, in integers (lanes as the 16-bit sums': row i, then V+i).
        IntVector a0 = IntVector.zero(I);
        IntVector a1 = a0;
        IntVector b0 = a0;
        IntVector b1 = a0;
        int half = streams == 1 ? blocks : (blocks + 1) >> 1;
        for (int i = 0; i < half; i++) {
            int pair = i + half < blocks ? 2 : 1;
            for (int s = 0; s < pair; s++) {
                Halves.widen(d, base + (long) (i + s * half) * GROUP_BLOCK_BYTES, scales, s * G);
            }
            for (int j = 0; j < SUB; j++) {
                for (int s = 0; s < pair; s++) {
                    int b = i + s * half;
                    long off = base + (long) b * GROUP_BLOCK_BYTES;
                    int xo = (t * blocks + b) * BLOCK;
                    long sub = off + SCALES + (long) j * SUB_BYTES;
                    long col = sub + VALUES;
                    int xj = xo + j * SUB;
                    ShortVector lo = ShortVector.zero(S_G);
                    ShortVector hi = lo;
                    // One loop for both halves: C2 compiled each of two 8-trip loops with its own pre-
                    // and post-loop and range checks (256 × 2048 in L2, one thread, AMD EPYC: two loops
                    // 16.2 µs, one 14.9-15.0). kernel2 keeps two loops: merged, it was 2-4% slower.
                    for (int k = 0; k < 8; k++) {
                        lo = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                                .convertShape(VectorOperators.B2S, S_G, 0)).mul(ShortVector.broadcast(S_G, q[xj + k])).add(lo);
                        hi = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) (k + 8) * G, LE)
                                .convertShape(VectorOperators.B2S, S_G, 0)).mul(ShortVector.broadcast(S_G, q[xj + 8 + k])).add(hi);
                    }
                    // Each 32-bit lane holds row i's sums in its low half and row V+i's in its high half.
                    IntVector l = lo.reinterpretAsInts();
                    IntVector u = hi.reinterpretAsInts();
                    IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                    IntVector s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    IntVector s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                    IntVector sum0 = s0.mul(sc.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    IntVector sum1 = s1.mul(sc.lanewise(VectorOperators.ASHR, 16));
                    if (s == 0) {
                        a0 = sum0.add(a0);
                        a1 = sum1.add(a1);
                    } else {
                        b0 = sum0.add(b0);
                        b1 = sum1.add(b1);
                    }
                }
            }
            // One conversion a super-block: d times the input's scale (kernel2 does the same).
            FloatVector dx = FloatVector.broadcast(F, in.kScale[t * blocks + i]);
            acc0 = ((FloatVector) a0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, 0).mul(dx), acc0);
            acc1 = ((FloatVector) a1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, V).mul(dx), acc1);
            a0 = IntVector.zero(I);
            a1 = a0;
            if (pair == 2) {
                dx = FloatVector.broadcast(F, in.kScale[t * blocks + i + half]);
                acc0 = ((FloatVector) b0.convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, scales, G).mul(dx), acc0);
                acc1 = ((FloatVector) b1.convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, scales, G + V).mul(dx), acc1);
                b0 = a0;
                b1 = a0;
            }
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

    /** {@link #kernel1} for the compact form ({@link Q6KColumns}). */
    private void kernel1Compact(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.kq;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * COMPACT_GROUP_BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        // Each stream's super-block sums, in integers (lanes as the 16-bit sums': row i, then V+i).
        IntVector a0 = IntVector.zero(I);
        IntVector a1 = a0;
        IntVector b0 = a0;
        IntVector b1 = a0;
        int half = streams == 1 ? blocks : (blocks + 1) >> 1;
        for (int i = 0; i < half; i++) {
            int pair = i + half < blocks ? 2 : 1;
            for (int s = 0; s < pair; s++) {
                Halves.widen(d, base + (long) (i + s * half) * COMPACT_GROUP_BLOCK_BYTES, scales, s * G);
            }
            for (int j = 0; j < SUB; j++) {
                for (int s = 0; s < pair; s++) {
                    int b = i + s * half;
                    long off = base + (long) b * COMPACT_GROUP_BLOCK_BYTES;
                    int xo = (t * blocks + b) * BLOCK;
                    long sub = off + SCALES + (long) j * COMPACT_SUB_BYTES;
                    long col = sub + VALUES;
                    int xj = xo + j * SUB;
                    ShortVector lo = ShortVector.zero(S_G);
                    ShortVector hi = lo;
                    // Q6KColumns' words, three a half; each value sign-extended in its lane. The
                    // halves are written out (no vector may cross a call C2 might not inline), each
                    // in its own 16-bit sum: 8 products of at most 32 · 127 fit one.
                    ShortVector w0 = ShortVector.fromMemorySegment(S_G, d, col, LE);
                    ShortVector w1 = ShortVector.fromMemorySegment(S_G, d, col + 2L * G, LE);
                    ShortVector w2 = ShortVector.fromMemorySegment(S_G, d, col + 4L * G, LE);
                    lo = w0.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj])).add(lo);
                    lo = w0.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 1])).add(lo);
                    lo = w1.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj + 2])).add(lo);
                    lo = w1.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 3])).add(lo);
                    lo = w2.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj + 4])).add(lo);
                    lo = w2.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 5])).add(lo);
                    lo = w2.lanewise(VectorOperators.LSHL, TWELVE).lanewise(VectorOperators.ASHR, TEN)
                            .lanewise(VectorOperators.BITWISE_BLEND, w0, LOW4)
                            .mul(ShortVector.broadcast(S_G, q[xj + 6])).add(lo);
                    lo = w2.lanewise(VectorOperators.LSHL, FOURTEEN).lanewise(VectorOperators.ASHR, TEN)
                            .lanewise(VectorOperators.BITWISE_BLEND, w1, LOW4)
                            .mul(ShortVector.broadcast(S_G, q[xj + 7])).add(lo);
                    w0 = ShortVector.fromMemorySegment(S_G, d, col + 6L * G, LE);
                    w1 = ShortVector.fromMemorySegment(S_G, d, col + 8L * G, LE);
                    w2 = ShortVector.fromMemorySegment(S_G, d, col + 10L * G, LE);
                    hi = w0.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj + 8])).add(hi);
                    hi = w0.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 9])).add(hi);
                    hi = w1.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj + 10])).add(hi);
                    hi = w1.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 11])).add(hi);
                    hi = w2.lanewise(VectorOperators.ASHR, TEN).mul(ShortVector.broadcast(S_G, q[xj + 12])).add(hi);
                    hi = w2.lanewise(VectorOperators.LSHL, SIX).lanewise(VectorOperators.ASHR, TEN)
                            .mul(ShortVector.broadcast(S_G, q[xj + 13])).add(hi);
                    hi = w2.lanewise(VectorOperators.LSHL, TWELVE).lanewise(VectorOperators.ASHR, TEN)
                            .lanewise(VectorOperators.BITWISE_BLEND, w0, LOW4)
                            .mul(ShortVector.broadcast(S_G, q[xj + 14])).add(hi);
                    hi = w2.lanewise(VectorOperators.LSHL, FOURTEEN).lanewise(VectorOperators.ASHR, TEN)
                            .lanewise(VectorOperators.BITWISE_BLEND, w1, LOW4)
                            .mul(ShortVector.broadcast(S_G, q[xj + 15])).add(hi);
                    // Each 32-bit lane holds row i's sums in its low half and row V+i's in its high half.
                    IntVector l = lo.reinterpretAsInts();
                    IntVector u = hi.reinterpretAsInts();
                    IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                    IntVector s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    IntVector s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                    IntVector sum0 = s0.mul(sc.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                    IntVector sum1 = s1.mul(sc.lanewise(VectorOperators.ASHR, 16));
                    if (s == 0) {
                        a0 = sum0.add(a0);
                        a1 = sum1.add(a1);
                    } else {
                        b0 = sum0.add(b0);
                        b1 = sum1.add(b1);
                    }
                }
            }
            // One conversion a super-block: d times the input's scale (kernel2 does the same).
            FloatVector dx = FloatVector.broadcast(F, in.kScale[t * blocks + i]);
            acc0 = ((FloatVector) a0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, 0).mul(dx), acc0);
            acc1 = ((FloatVector) a1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, V).mul(dx), acc1);
            a0 = IntVector.zero(I);
            a1 = a0;
            if (pair == 2) {
                dx = FloatVector.broadcast(F, in.kScale[t * blocks + i + half]);
                acc0 = ((FloatVector) b0.convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, scales, G).mul(dx), acc0);
                acc1 = ((FloatVector) b1.convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.fromArray(F, scales, G + V).mul(dx), acc1);
                b0 = a0;
                b1 = a0;
            }
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

    /**
     * The compact form's steps of {@code paired} inputs (even) times group {@code g}, into
     * {@code acc[t·G ..]}: each super-block decoded to the byte form in a thread's scratch
     * ({@link Q6KColumns#toBytes}), then {@link #steps} over it for all the inputs, from the
     * L1 cache. Its fp32 columns (decoded for every eight inputs, in registers) took 8 inputs 115 µs
     * in the caches against 96 this way, and 36.5 ms from memory against 32.3 (docs/SPEED.md,
     * finding 28). The whole group decoded first was slower from memory: its 70 KB of decoded
     * columns went to L2 and back.
     */
    private void compactSteps(int g, MatmulInput in, int paired, float[] acc) {
        MemorySegment d = data;
        MemorySegment block = Scratch.block(GROUP_BLOCK_BYTES);
        long base = (long) g * blocks * COMPACT_GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * COMPACT_GROUP_BLOCK_BYTES;
            // The rows' d (2·G bytes) and each sub-block's scales (G bytes) as they are; the values decoded.
            ByteVector.fromMemorySegment(B_G, d, off, LE).intoMemorySegment(block, 0, LE);
            ByteVector.fromMemorySegment(B_G, d, off + G, LE).intoMemorySegment(block, G, LE);
            for (int j = 0; j < SUB; j++) { // in the order stored: the prefetcher follows forward streams only
                long from = off + SCALES + (long) j * COMPACT_SUB_BYTES;
                long sub = SCALES + (long) j * SUB_BYTES;
                ByteVector.fromMemorySegment(B_G, d, from, LE).intoMemorySegment(block, sub, LE);
                Q6KColumns.toBytes(d, from + VALUES, block, sub + VALUES);
            }
            steps(block, 0, b, b + 1, in, paired, acc, b > 0);
        }
    }

    /**
     * Inputs {@code 0} to {@code paired − 1} ({@code paired} even) times super-blocks
     * {@code [first, end)} of a group in the byte form, as {@link #kernel2} takes them: four inputs a
     * pass ({@link #kernel4}) while four are left, with AVX-512's 32 registers, then two. Each input's
     * sums and fp32 steps are the same in either kernel, so its result does not depend on the pass.
     */
    private void steps(MemorySegment d, long base, int first, int end, MatmulInput in, int paired, float[] acc,
            boolean add) {
        int t = 0;
        if (V == 16) {
            for (; t + 4 <= paired; t += 4) {
                kernel4(d, base, first, end, in, t, acc, add);
            }
        }
        for (; t < paired; t += 2) {
            kernel2(d, base, first, end, in, t, acc, add);
        }
    }

    /**
     * Inputs {@code t} and {@code t + 1} times super-blocks {@code [first, end)} of a group in the
     * byte form, super-block {@code first} at {@code d[base]}, into {@code acc[t·G ..]} and
     * {@code acc[(t+1)·G ..]} (added to what they hold if {@code add}): {@link #kernel1}'s byte path
     * with each widened column multiplied by both inputs, one stream. Written out in full on purpose:
     * see PackedQ8Matrix.
     */
    private void kernel2(MemorySegment d, long base, int first, int end, MatmulInput in, int t, float[] acc,
            boolean add) {
        short[] q = in.kq;
        float[] scales = Scratch.scales();
        int outA = t * G;
        int outB = outA + G;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, b0 = a0, b1 = a0;
        if (add) {
            a0 = FloatVector.fromArray(F, acc, outA);
            a1 = FloatVector.fromArray(F, acc, outA + V);
            b0 = FloatVector.fromArray(F, acc, outB);
            b1 = FloatVector.fromArray(F, acc, outB + V);
        }
        for (int b = first; b < end; b++) {
            long off = base + (long) (b - first) * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0);
            int xa = (t * blocks + b) * BLOCK;
            int xb = ((t + 1) * blocks + b) * BLOCK;
            // The super-block's sums of each input, in integers, as kernel1's.
            IntVector ia0 = IntVector.zero(I);
            IntVector ia1 = ia0, ib0 = ia0, ib1 = ia0;
            for (int j = 0; j < SUB; j++) {
                long sub = off + SCALES + (long) j * SUB_BYTES;
                long col = sub + VALUES;
                int ja = xa + j * SUB;
                int jb = xb + j * SUB;
                ShortVector loA = ShortVector.zero(S_G);
                ShortVector hiA = loA, loB = loA, hiB = loA;
                for (int k = 0; k < 8; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0);
                    loA = v.mul(ShortVector.broadcast(S_G, q[ja + k])).add(loA);
                    loB = v.mul(ShortVector.broadcast(S_G, q[jb + k])).add(loB);
                }
                for (int k = 8; k < SUB; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0);
                    hiA = v.mul(ShortVector.broadcast(S_G, q[ja + k])).add(hiA);
                    hiB = v.mul(ShortVector.broadcast(S_G, q[jb + k])).add(hiB);
                }
                // As kernel1: each 32-bit lane holds row i's sums in its low half and row V+i's in its high half.
                IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                        .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                IntVector sc0 = sc.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
                IntVector sc1 = sc.lanewise(VectorOperators.ASHR, 16);
                IntVector l = loA.reinterpretAsInts();
                IntVector u = hiA.reinterpretAsInts();
                IntVector s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                ia0 = s0.mul(sc0).add(ia0);
                ia1 = s1.mul(sc1).add(ia1);
                l = loB.reinterpretAsInts();
                u = hiB.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                ib0 = s0.mul(sc0).add(ib0);
                ib1 = s1.mul(sc1).add(ib1);
            }
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            FloatVector dx = FloatVector.broadcast(F, in.kScale[t * blocks + b]);
            a0 = ((FloatVector) ia0.convertShape(VectorOperators.I2F, F, 0)).fma(d0.mul(dx), a0);
            a1 = ((FloatVector) ia1.convertShape(VectorOperators.I2F, F, 0)).fma(d1.mul(dx), a1);
            dx = FloatVector.broadcast(F, in.kScale[(t + 1) * blocks + b]);
            b0 = ((FloatVector) ib0.convertShape(VectorOperators.I2F, F, 0)).fma(d0.mul(dx), b0);
            b1 = ((FloatVector) ib1.convertShape(VectorOperators.I2F, F, 0)).fma(d1.mul(dx), b1);
        }
        a0.intoArray(acc, outA);
        a1.intoArray(acc, outA + V);
        b0.intoArray(acc, outB);
        b1.intoArray(acc, outB + V);
    }

    /**
     * Inputs {@code t} to {@code t + 3} times super-blocks {@code [first, end)} of a group in the byte
     * form, into {@code acc[t·G ..]} to {@code acc[(t+3)·G ..]} (added to what they hold if
     * {@code add}): {@link #kernel2} with each widened column multiplied by four inputs, so that a
     * column is loaded and widened once for four, and a step of 8 sequences makes two passes over the
     * weights instead of four (1B output layer from memory, 2 threads, against kernel2: 8 inputs
     * 21.2 → 19.2 ms, 4 inputs 13.4 → 11.7; the compact form's decoded super-blocks 4% faster;
     * docs/SPEED.md, finding 46). The fp32 sums stay in {@code acc} between super-blocks, not in
     * registers: the 16-bit and 32-bit sums of four inputs take 16 of the 32. Written out in full,
     * like kernel2.
     */
    private void kernel4(MemorySegment d, long base, int first, int end, MatmulInput in, int t, float[] acc,
            boolean add) {
        short[] q = in.kq;
        float[] scales = Scratch.scales();
        for (int b = first; b < end; b++) {
            long off = base + (long) (b - first) * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0);
            int xa = (t * blocks + b) * BLOCK;
            int xb = ((t + 1) * blocks + b) * BLOCK;
            int xc = ((t + 2) * blocks + b) * BLOCK;
            int xd = ((t + 3) * blocks + b) * BLOCK;
            IntVector ia0 = IntVector.zero(I);
            IntVector ia1 = ia0, ib0 = ia0, ib1 = ia0, ic0 = ia0, ic1 = ia0, id0 = ia0, id1 = ia0;
            for (int j = 0; j < SUB; j++) {
                long sub = off + SCALES + (long) j * SUB_BYTES;
                long col = sub + VALUES;
                int ja = xa + j * SUB;
                int jb = xb + j * SUB;
                int jc = xc + j * SUB;
                int jd = xd + j * SUB;
                ShortVector loA = ShortVector.zero(S_G);
                ShortVector loB = loA, loC = loA, loD = loA;
                for (int k = 0; k < 8; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0);
                    loA = v.mul(ShortVector.broadcast(S_G, q[ja + k])).add(loA);
                    loB = v.mul(ShortVector.broadcast(S_G, q[jb + k])).add(loB);
                    loC = v.mul(ShortVector.broadcast(S_G, q[jc + k])).add(loC);
                    loD = v.mul(ShortVector.broadcast(S_G, q[jd + k])).add(loD);
                }
                ShortVector hiA = ShortVector.zero(S_G);
                ShortVector hiB = hiA, hiC = hiA, hiD = hiA;
                for (int k = 8; k < SUB; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0);
                    hiA = v.mul(ShortVector.broadcast(S_G, q[ja + k])).add(hiA);
                    hiB = v.mul(ShortVector.broadcast(S_G, q[jb + k])).add(hiB);
                    hiC = v.mul(ShortVector.broadcast(S_G, q[jc + k])).add(hiC);
                    hiD = v.mul(ShortVector.broadcast(S_G, q[jd + k])).add(hiD);
                }
                // As kernel2: each 32-bit lane holds row i's sums in its low half and row V+i's in its high half.
                IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                        .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                IntVector sc0 = sc.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
                IntVector sc1 = sc.lanewise(VectorOperators.ASHR, 16);
                IntVector l = loA.reinterpretAsInts();
                IntVector u = hiA.reinterpretAsInts();
                IntVector s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                ia0 = s0.mul(sc0).add(ia0);
                ia1 = s1.mul(sc1).add(ia1);
                l = loB.reinterpretAsInts();
                u = hiB.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                ib0 = s0.mul(sc0).add(ib0);
                ib1 = s1.mul(sc1).add(ib1);
                l = loC.reinterpretAsInts();
                u = hiC.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                ic0 = s0.mul(sc0).add(ic0);
                ic1 = s1.mul(sc1).add(ic1);
                l = loD.reinterpretAsInts();
                u = hiD.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(u.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(u.lanewise(VectorOperators.ASHR, 16));
                id0 = s0.mul(sc0).add(id0);
                id1 = s1.mul(sc1).add(id1);
            }
            // kernel2's fp32 steps for each input, its running sums read from and written back to acc.
            boolean sum = add || b > first;
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            FloatVector zero = FloatVector.zero(F);
            int o = t * G;
            FloatVector dx = FloatVector.broadcast(F, in.kScale[t * blocks + b]);
            ((FloatVector) ia0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d0.mul(dx), sum ? FloatVector.fromArray(F, acc, o) : zero).intoArray(acc, o);
            ((FloatVector) ia1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d1.mul(dx), sum ? FloatVector.fromArray(F, acc, o + V) : zero).intoArray(acc, o + V);
            o += G;
            dx = FloatVector.broadcast(F, in.kScale[(t + 1) * blocks + b]);
            ((FloatVector) ib0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d0.mul(dx), sum ? FloatVector.fromArray(F, acc, o) : zero).intoArray(acc, o);
            ((FloatVector) ib1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d1.mul(dx), sum ? FloatVector.fromArray(F, acc, o + V) : zero).intoArray(acc, o + V);
            o += G;
            dx = FloatVector.broadcast(F, in.kScale[(t + 2) * blocks + b]);
            ((FloatVector) ic0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d0.mul(dx), sum ? FloatVector.fromArray(F, acc, o) : zero).intoArray(acc, o);
            ((FloatVector) ic1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d1.mul(dx), sum ? FloatVector.fromArray(F, acc, o + V) : zero).intoArray(acc, o + V);
            o += G;
            dx = FloatVector.broadcast(F, in.kScale[(t + 3) * blocks + b]);
            ((FloatVector) id0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d0.mul(dx), sum ? FloatVector.fromArray(F, acc, o) : zero).intoArray(acc, o);
            ((FloatVector) id1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(d1.mul(dx), sum ? FloatVector.fromArray(F, acc, o + V) : zero).intoArray(acc, o + V);
        }
    }

    /**
     * One column of {@link Gemm#V} rows per vector, {@code q * (d * scale)} exactly as
     * {@link #dequantizeRow}; the interleaved rows are split by the same 16-bit-lane shifts as the
     * kernel. Used with 3 or more inputs, e.g. the output layer for several decoding sequences at once.
     */
    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        short[] pairs = compact ? Scratch.columns() : null;
        long base = (long) (r0 / G) * blocks * groupBlockBytes;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * groupBlockBytes;
            Halves.widen(d, off, scales);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            if (compact) {
                Q6KColumns.toPairs(d, off + SCALES + VALUES, subBytes, pairs);
            }
            for (int j = 0; j < SUB; j++) {
                long sub = off + SCALES + (long) j * subBytes;
                IntVector sc = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, sub, LE)
                        .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                FloatVector s0 = d0.mul((FloatVector) sc.lanewise(VectorOperators.LSHL, 16)
                        .lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0));
                FloatVector s1 = d1.mul((FloatVector) sc.lanewise(VectorOperators.ASHR, 16)
                        .convertShape(VectorOperators.I2F, F, 0));
                long col = sub + VALUES;
                int p = (b * BLOCK + j * SUB) * G;
                if (compact) {
                    for (int k = 0; k < SUB; k++) {
                        IntVector a = ShortVector.fromArray(S_G, pairs, (8 * j + (k >> 1)) * G).reinterpretAsInts();
                        IntVector w = (k & 1) == 0 ? a : a.lanewise(VectorOperators.LSHL, 6);
                        ((FloatVector) w.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 26)
                                .convertShape(VectorOperators.I2F, F, 0)).mul(s0).intoArray(panel, po + p + k * G);
                        ((FloatVector) w.lanewise(VectorOperators.ASHR, 26).convertShape(VectorOperators.I2F, F, 0))
                                .mul(s1).intoArray(panel, po + p + k * G + V);
                    }
                    continue;
                }
                for (int k = 0; k < SUB; k++) {
                    IntVector w = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) k * G, LE)
                            .convertShape(VectorOperators.B2S, S_G, 0)).reinterpretAsInts();
                    ((FloatVector) w.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .convertShape(VectorOperators.I2F, F, 0)).mul(s0).intoArray(panel, po + p + k * G);
                    ((FloatVector) w.lanewise(VectorOperators.ASHR, 16).convertShape(VectorOperators.I2F, F, 0))
                            .mul(s1).intoArray(panel, po + p + k * G + V);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = Halves.position(row % G);
        long base = (long) g * blocks * groupBlockBytes;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * groupBlockBytes;
            float dd = LittleEndian.half(data, off + 2L * r);
            for (int j = 0; j < SUB; j++) {
                long sub = off + SCALES + (long) j * subBytes;
                float s = dd * data.get(LittleEndian.BYTE, sub + r);
                for (int k = 0; k < SUB; k++) {
                    int q = compact ? Q6KColumns.value(data, sub + VALUES, r, k)
                            : data.get(LittleEndian.BYTE, sub + VALUES + (long) k * G + r);
                    out[outOff + b * BLOCK + j * SUB + k] = q * s;
                }
            }
        }
    }
}
