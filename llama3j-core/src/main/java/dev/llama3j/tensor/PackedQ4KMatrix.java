package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K weights (the bulk of Q4_K_M files) repacked at load time: rows in groups of {@link Gemm#G}; per
 * 256-value super-block, {@link #GROUP_BLOCK_BYTES} bytes:
 * <pre>
 *   [0, 2G)       the rows' fp16 d       (Halves' interleaved order)
 *   [2G, 4G)      the rows' fp16 dmin    (interleaved)
 *   [4G, 12G)     the 8 sub-block scales, [sub-block][row], one byte each (6 bits used)
 *   [12G, 20G)    the 8 sub-block mins, likewise
 *   [20G, 148G)   128 columns of G bytes (interleaved): column 32c + p is byte p of chunk c of the
 *                 file's qs, value 64c + p in its low nibble and 64c + 32 + p in its high one
 * </pre>
 * 148 bytes per row and super-block where the file has 144: 4.625 bits per weight. The nibbles and the
 * fp16 fields are the file's bytes, reordered; only the 6-bit scales and mins are unpacked to bytes.
 *
 * <p>Generating works like {@link PackedQ4Matrix}: nibbles times the input quantized to 8 bits in
 * 16-bit lanes, 16 products per short sum (a sub-block of 32 is two such sums, widened with shifts),
 * then per sub-block {@code d·scale·dx·Σqx − dmin·min·dx·Σx} in fp32, where the input's 32-value
 * blocks are exactly the sub-blocks. Prompts go through the fp32 {@link Gemm} path.
 */
final class PackedQ4KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 256;
    private static final int SUB = 32;
    private static final int DMIN = 2 * G;
    private static final int SCALES = 4 * G;
    private static final int MINS = 12 * G;
    private static final int VALUES = 20 * G;
    static final int GROUP_BLOCK_BYTES = 148 * G;

    /** Bytes that widen to one float vector; at 128 bits (4 lanes) the group's 8 bytes are loaded whole. */
    private static final boolean SPLIT_LOADS = V >= 8;
    private static final VectorSpecies<Byte> B_V =
            SPLIT_LOADS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, LE);
    private static final ShortVector LOW_NIBBLE = ShortVector.broadcast(S_G, (short) 15);

    private final int blocks;

    private PackedQ4KMatrix(String name, int rows, int cols, MemorySegment packed) {
        super(name, GgmlType.Q4_K, rows, cols, packed);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q4_K rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ4KMatrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        int blocks = cols / BLOCK;
        int groups = (rows + G - 1) / G;
        long groupBytes = (long) blocks * GROUP_BLOCK_BYTES;
        int blockBytes = Q4_KMatrix.BLOCK_BYTES;
        long rowBytes = (long) blocks * blockBytes;
        MemorySegment packed = arena.allocate(groups * groupBytes, 64);
        pool.parallelFor(groups, 1, (g0, g1) -> {
            byte[] in = new byte[(int) (G * rowBytes)];
            byte[] out = new byte[(int) groupBytes];
            long[] tile = new long[8];
            for (int g = g0; g < g1; g++) {
                int count = Math.min(G, rows - g * G);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, g * G * rowBytes, in, 0, (int) (count * rowBytes));
                // Rows past the matrix's end: d = dmin = 0, so every value is 0.
                java.util.Arrays.fill(in, (int) (count * rowBytes), in.length, (byte) 0);
                for (int b = 0; b < blocks; b++) {
                    int ob = b * GROUP_BLOCK_BYTES;
                    for (int r = 0; r < G; r++) {
                        int src = (int) (r * rowBytes) + b * blockBytes;
                        int pos = Halves.position(r);
                        out[ob + 2 * pos] = in[src];
                        out[ob + 2 * pos + 1] = in[src + 1];
                        out[ob + DMIN + 2 * pos] = in[src + 2];
                        out[ob + DMIN + 2 * pos + 1] = in[src + 3];
                        for (int j = 0; j < 8; j++) {
                            out[ob + SCALES + j * G + r] = (byte) KQuantScales.scale(in, src + 4, j);
                            out[ob + MINS + j * G + r] = (byte) KQuantScales.min(in, src + 4, j);
                        }
                    }
                    for (int p0 = 0; p0 < G; p0 += 8) {
                        for (int k0 = 0; k0 < 128; k0 += 8) {
                            for (int i = 0; i < 8; i++) {
                                int src = (int) (GroupPacker.rowAt(p0 + i) * rowBytes) + b * blockBytes + 16 + k0;
                                tile[i] = (long) LONG.get(in, src);
                            }
                            GroupPacker.transpose8(tile);
                            for (int i = 0; i < 8; i++) {
                                LONG.set(out, ob + VALUES + (k0 + i) * G + p0, tile[i]);
                            }
                        }
                    }
                }
                MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
            }
        });
        return new PackedQ4KMatrix(name, rows, cols, packed);
    }

    @Override
    public int rowGrain() {
        return G;
    }

    @Override
    protected int gemmMinTokens() {
        return 5;
    }

    @Override
    public boolean usesQuantizedInput(int n) {
        return n < gemmMinTokens();
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (n >= gemmMinTokens()) {
            super.matmul(in, out, outStride, r0, r1);
            return;
        }
        for (int g = r0 / G; g * G < r1; g++) {
            int count = Math.min(G, rows - g * G);
            int t = 0;
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
    //
    // Per sub-block j and row: d·sc_j·dx_j·Σ q·xq − dmin·m_j·dx_j·Σ xq. The row factors d·sc_j and
    // dmin·m_j are formed once per sub-block (shared by both inputs of kernel2) and the products go
    // straight into the output accumulators, which keeps few vectors live (AVX2 has 16 registers).

    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.q;
        float[] qScale = in.qScale;
        int[] qSum = in.qSum;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qb = t * blocks * 8;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0);
            Halves.widen(d, off + DMIN, scales, G);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            FloatVector m0 = FloatVector.fromArray(F, scales, G);
            FloatVector m1 = FloatVector.fromArray(F, scales, G + V);
            for (int c = 0; c < 4; c++) {
                long col = off + VALUES + (long) c * SUB * G;
                int j = 2 * c;
                int qj = qb + b * 8 + j; // the input block of sub-block j; j + 1 follows
                int xo = qj * SUB;
                ShortVector lo0 = ShortVector.zero(S_G);
                ShortVector lo1 = lo0;
                ShortVector hi0 = lo0;
                ShortVector hi1 = lo0;
                for (int p = 0; p < 16; p++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                    lo0 = lo0.add(v.and(LOW_NIBBLE).mul(ShortVector.broadcast(S_G, q[xo + p])));
                    hi0 = hi0.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S_G, q[xo + SUB + p])));
                }
                for (int p = 16; p < 32; p++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                    lo1 = lo1.add(v.and(LOW_NIBBLE).mul(ShortVector.broadcast(S_G, q[xo + p])));
                    hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(S_G, q[xo + SUB + p])));
                }
                // Each 32-bit lane holds row i's sums in its low half and row V+i's in its high half.
                IntVector l = lo0.reinterpretAsInts();
                IntVector h = lo1.reinterpretAsInts();
                IntVector sa0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector sa1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));
                l = hi0.reinterpretAsInts();
                h = hi1.reinterpretAsInts();
                IntVector sb0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector sb1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));

                long sc = off + SCALES + (long) j * G;
                long mn = off + MINS + (long) j * G;
                FloatVector scA0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector scA1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 1);
                FloatVector scB0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector scB1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 1);
                FloatVector mnA0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector mnA1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 1);
                FloatVector mnB0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector mnB1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 1);

                FloatVector dxA = FloatVector.broadcast(F, qScale[qj]);
                FloatVector dxB = FloatVector.broadcast(F, qScale[qj + 1]);
                FloatVector sumA = FloatVector.broadcast(F, -qScale[qj] * qSum[qj]);
                FloatVector sumB = FloatVector.broadcast(F, -qScale[qj + 1] * qSum[qj + 1]);
                acc0 = ((FloatVector) sa0.convertShape(VectorOperators.I2F, F, 0)).mul(scA0.mul(d0)).fma(dxA, acc0);
                acc1 = ((FloatVector) sa1.convertShape(VectorOperators.I2F, F, 0)).mul(scA1.mul(d1)).fma(dxA, acc1);
                acc0 = ((FloatVector) sb0.convertShape(VectorOperators.I2F, F, 0)).mul(scB0.mul(d0)).fma(dxB, acc0);
                acc1 = ((FloatVector) sb1.convertShape(VectorOperators.I2F, F, 0)).mul(scB1.mul(d1)).fma(dxB, acc1);
                acc0 = mnA0.mul(m0).fma(sumA, acc0);
                acc1 = mnA1.mul(m1).fma(sumA, acc1);
                acc0 = mnB0.mul(m0).fma(sumB, acc0);
                acc1 = mnB1.mul(m1).fma(sumB, acc1);
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

    /** Two inputs at once: each column of nibbles is loaded and split once for both. */
    private void kernel2(int g, MatmulInput in, int t, float[] out, int outA, int outB, int count) {
        short[] q = in.q;
        float[] qScale = in.qScale;
        int[] qSum = in.qSum;
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qa = t * blocks * 8;
        int qbb = (t + 1) * blocks * 8;
        FloatVector accA0 = FloatVector.zero(F);
        FloatVector accA1 = accA0;
        FloatVector accB0 = accA0;
        FloatVector accB1 = accA0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0);
            Halves.widen(d, off + DMIN, scales, G);
            for (int c = 0; c < 4; c++) {
                long col = off + VALUES + (long) c * SUB * G;
                int j = 2 * c;
                int ja = qa + b * 8 + j;
                int jb = qbb + b * 8 + j;
                int xa = ja * SUB;
                int xb = jb * SUB;
                ShortVector loA0 = ShortVector.zero(S_G);
                ShortVector loA1 = loA0;
                ShortVector hiA0 = loA0;
                ShortVector hiA1 = loA0;
                ShortVector loB0 = loA0;
                ShortVector loB1 = loA0;
                ShortVector hiB0 = loA0;
                ShortVector hiB1 = loA0;
                for (int p = 0; p < 16; p++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                    ShortVector lo = v.and(LOW_NIBBLE);
                    ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
                    loA0 = loA0.add(lo.mul(ShortVector.broadcast(S_G, q[xa + p])));
                    hiA0 = hiA0.add(hi.mul(ShortVector.broadcast(S_G, q[xa + SUB + p])));
                    loB0 = loB0.add(lo.mul(ShortVector.broadcast(S_G, q[xb + p])));
                    hiB0 = hiB0.add(hi.mul(ShortVector.broadcast(S_G, q[xb + SUB + p])));
                }
                for (int p = 16; p < 32; p++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                    ShortVector lo = v.and(LOW_NIBBLE);
                    ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
                    loA1 = loA1.add(lo.mul(ShortVector.broadcast(S_G, q[xa + p])));
                    hiA1 = hiA1.add(hi.mul(ShortVector.broadcast(S_G, q[xa + SUB + p])));
                    loB1 = loB1.add(lo.mul(ShortVector.broadcast(S_G, q[xb + p])));
                    hiB1 = hiB1.add(hi.mul(ShortVector.broadcast(S_G, q[xb + SUB + p])));
                }
                long sc = off + SCALES + (long) j * G;
                long mn = off + MINS + (long) j * G;
                FloatVector d0 = FloatVector.fromArray(F, scales, 0);
                FloatVector d1 = FloatVector.fromArray(F, scales, V);
                FloatVector m0 = FloatVector.fromArray(F, scales, G);
                FloatVector m1 = FloatVector.fromArray(F, scales, G + V);
                // Row factors of sub-block j (A) and j + 1 (B): d·scale and dmin·min.
                FloatVector fA0 = d0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector fA1 = d1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector fB0 = d0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector fB1 = d1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector nA0 = m0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector nA1 = m1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector nB0 = m0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector nB1 = m1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 1));

                // Input A.
                IntVector l = loA0.reinterpretAsInts();
                IntVector h = loA1.reinterpretAsInts();
                IntVector s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                IntVector s1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));
                FloatVector dx = FloatVector.broadcast(F, qScale[ja]);
                FloatVector sx = FloatVector.broadcast(F, -qScale[ja] * qSum[ja]);
                accA0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(fA0).fma(dx, accA0);
                accA1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(fA1).fma(dx, accA1);
                accA0 = nA0.fma(sx, accA0);
                accA1 = nA1.fma(sx, accA1);
                l = hiA0.reinterpretAsInts();
                h = hiA1.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));
                dx = FloatVector.broadcast(F, qScale[ja + 1]);
                sx = FloatVector.broadcast(F, -qScale[ja + 1] * qSum[ja + 1]);
                accA0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(fB0).fma(dx, accA0);
                accA1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(fB1).fma(dx, accA1);
                accA0 = nB0.fma(sx, accA0);
                accA1 = nB1.fma(sx, accA1);

                // Input B.
                l = loB0.reinterpretAsInts();
                h = loB1.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));
                dx = FloatVector.broadcast(F, qScale[jb]);
                sx = FloatVector.broadcast(F, -qScale[jb] * qSum[jb]);
                accB0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(fA0).fma(dx, accB0);
                accB1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(fA1).fma(dx, accB1);
                accB0 = nA0.fma(sx, accB0);
                accB1 = nA1.fma(sx, accB1);
                l = hiB0.reinterpretAsInts();
                h = hiB1.reinterpretAsInts();
                s0 = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                s1 = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16));
                dx = FloatVector.broadcast(F, qScale[jb + 1]);
                sx = FloatVector.broadcast(F, -qScale[jb + 1] * qSum[jb + 1]);
                accB0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(fB0).fma(dx, accB0);
                accB1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(fB1).fma(dx, accB1);
                accB0 = nB0.fma(sx, accB0);
                accB1 = nB1.fma(sx, accB1);
            }
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
     * Dequantizes with the reference's operations ({@code (d·scale)·q − dmin·min}, each rounded to
     * fp32), so that the panel holds exactly the values of {@link #dequantizeRow}.
     */
    @Override
    protected void fillPanel(int r0, int count, float[] panel) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0);
            Halves.widen(d, off + DMIN, scales, G);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            FloatVector m0 = FloatVector.fromArray(F, scales, G);
            FloatVector m1 = FloatVector.fromArray(F, scales, G + V);
            for (int c = 0; c < 4; c++) {
                int j = 2 * c;
                long sc = off + SCALES + (long) j * G;
                long mn = off + MINS + (long) j * G;
                FloatVector fA0 = d0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector fA1 = d1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector fB0 = d0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector fB1 = d1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, sc + G, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector nA0 = m0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector nA1 = m1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn, LE).convertShape(VectorOperators.B2F, F, 1));
                FloatVector nB0 = m0.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 0));
                FloatVector nB1 = m1.mul(SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + G + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, mn + G, LE).convertShape(VectorOperators.B2F, F, 1));
                long col = off + VALUES + (long) c * SUB * G;
                int k = b * BLOCK + c * 2 * SUB;
                for (int p = 0; p < SUB; p++) {
                    int lo = (k + p) * G;
                    int hi = (k + SUB + p) * G;
                    // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                    IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                    IntVector first = v.and(0xff);
                    IntVector second = v.lanewise(VectorOperators.LSHR, 16);
                    ((FloatVector) first.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(fA0).sub(nA0)
                            .intoArray(panel, lo);
                    ((FloatVector) second.and(15).convertShape(VectorOperators.I2F, F, 0)).mul(fA1).sub(nA1)
                            .intoArray(panel, lo + V);
                    ((FloatVector) first.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .mul(fB0).sub(nB0).intoArray(panel, hi);
                    ((FloatVector) second.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0))
                            .mul(fB1).sub(nB1).intoArray(panel, hi + V);
                }
            }
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        float[] w = Scratch.row(cols);
        dequantizeRow(row, w, 0);
        float sum = 0;
        for (int k = 0; k < cols; k++) {
            sum += w[k] * x[xOff + k];
        }
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = row % G;
        int pos = Halves.position(r);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float d = LittleEndian.half(data, off + 2L * pos);
            float dmin = LittleEndian.half(data, off + DMIN + 2L * pos);
            for (int c = 0; c < 4; c++) {
                int j = 2 * c;
                float d1 = d * u8(off + SCALES + (long) j * G + r);
                float m1 = dmin * u8(off + MINS + (long) j * G + r);
                float d2 = d * u8(off + SCALES + (long) (j + 1) * G + r);
                float m2 = dmin * u8(off + MINS + (long) (j + 1) * G + r);
                long col = off + VALUES + (long) c * SUB * G + pos;
                int o = outOff + b * BLOCK + c * 2 * SUB;
                for (int p = 0; p < SUB; p++) {
                    int v = u8(col + (long) p * G);
                    out[o + p] = d1 * (v & 15) - m1;
                    out[o + SUB + p] = d2 * (v >>> 4) - m2;
                }
            }
        }
    }

    private int u8(long off) {
        return data.get(LittleEndian.BYTE, off) & 0xff;
    }
}
