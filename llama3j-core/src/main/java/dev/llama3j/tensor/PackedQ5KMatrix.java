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
 * Q5_K weights (the bulk of Q5_K_M files) repacked at load time into {@link KGroupPacker}'s layout:
 * rows in groups of {@link Gemm#G}; per 256-value super-block 32 columns of G bytes holding the
 * file's {@code qh} (bit {@code 2c} of byte {@code p}: the fifth bit of value {@code 64c + p}, bit
 * {@code 2c+1}: of value {@code 64c + 32 + p}) and 128 columns holding its {@code qs} as in
 * {@link PackedQ4KMatrix}, then the rows' d and dmin and the 8 sub-block scales and mins. 180
 * bytes per row and super-block where the file has 176: 5.625 bits per weight.
 *
 * <p>Generating works like {@link PackedQ4KMatrix}, with each 5-bit value assembled from its nibble
 * and its fifth bit in 16-bit lanes; values reach 31, so only 8 products with 8-bit inputs fit a
 * 16-bit sum, and a sub-block is summed in four parts. Prompts go through the fp32 {@link Gemm} path.
 */
final class PackedQ5KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 256;
    private static final int SUB = 32;
    /** Parts of a sub-block summed separately in 16 bits: 8 products of at most 31·127 each. */
    private static final int PARTS = 4;
    private static final int DMIN = KGroupPacker.DMIN;
    private static final int SCALES = KGroupPacker.SCALES;
    private static final int MINS = KGroupPacker.MINS;
    private static final int QH = KGroupPacker.DATA;
    private static final int QS = KGroupPacker.DATA + 32 * G;
    static final int GROUP_BLOCK_BYTES = KGroupPacker.groupBlockBytes(32 + 128);
    /** Where a group super-block's header (d, dmin, scales, mins) starts: after its bits. */
    private static final int HEAD = KGroupPacker.headerAt(32 + 128);

    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    /** The nibble shift as a vector ({@link Species#SHIFT_BY_VECTOR}). */
    private static final ShortVector FOUR = ShortVector.broadcast(S_G, (short) 4);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ShortVector LOW_NIBBLE = ShortVector.broadcast(S_G, (short) 15);
    private static final ShortVector FIFTH_BIT = ShortVector.broadcast(S_G, (short) 16);

    private final int blocks;

    private PackedQ5KMatrix(String name, int rows, int cols, MemorySegment packed) {
        super(name, GgmlType.Q5_K, rows, cols, packed);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q5_K rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ5KMatrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        MemorySegment packed = KGroupPacker.pack(data, rows, cols, Q5_KMatrix.BLOCK_BYTES, false, arena, pool).segment();
        return new PackedQ5KMatrix(name, rows, cols, packed);
    }

    @Override
    public int rowGrain() {
        return G;
    }

    /**
     * From 6 inputs (one full GEMM tile) the fp32 path is faster per input than the integer kernels,
     * which assemble 5-bit values (single thread, in cache: 30 vs 20 Gweights/s at 6; 14 vs 20 at 5).
     */
    @Override
    protected int gemmMinTokens() {
        return 6;
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

    // Written as PackedQ4KMatrix's kernels are, under the same two rules (see there). Per column of
    // chunk c: the nibbles v and the fifth bits h = qh >> 2c give value v & 15 | (h & 1) << 4 and
    // value v >> 4 | (h & 2) << 3.

    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.q;
        MemorySegment d = data;
        short[] sums = Scratch.sums();
        float[] acc = Scratch.acc(1);
        float[] dd = Scratch.scales();
        java.util.Arrays.fill(acc, 0, G, 0f);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int x0 = t * cols;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            for (int c = 0; c < 4; c++) {
                long col = off + QS + (long) c * SUB * G;
                int xo = x0 + b * BLOCK + c * 2 * SUB;
                for (int k = 0; k < PARTS; k++) {
                    ShortVector lo = ShortVector.zero(S_G);
                    ShortVector hi = lo;
                    for (int p = 8 * k; p < 8 * k + 8; p++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                        ShortVector h = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, off + QH + (long) p * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).lanewise(VectorOperators.LSHR, 2 * c);
                        lo = v.and(LOW_NIBBLE).or(h.lanewise(VectorOperators.LSHL, 4).and(FIFTH_BIT))
                                .mul(ShortVector.broadcast(S_G, q[xo + p])).add(lo);
                        hi = (Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4)).or(h.lanewise(VectorOperators.LSHL, 3).and(FIFTH_BIT))
                                .mul(ShortVector.broadcast(S_G, q[xo + SUB + p])).add(hi);
                    }
                    // Part k of sub-block 2c (low nibbles) and of 2c + 1 (high nibbles).
                    lo.intoArray(sums, (PARTS * 2 * c + k) * G);
                    hi.intoArray(sums, (PARTS * (2 * c + 1) + k) * G);
                }
            }
            KSuperBlock.addSums(d, off + HEAD, sums, 0, PARTS, in, (t * blocks + b) * 8, acc, 0, dd);
        }
        System.arraycopy(acc, 0, out, outOff, count);
    }

    /** Two inputs at once: each column is loaded and its values assembled once for both. */
    private void kernel2(int g, MatmulInput in, int t, float[] out, int outA, int outB, int count) {
        short[] q = in.q;
        MemorySegment d = data;
        short[] sums = Scratch.sums();
        float[] acc = Scratch.acc(2);
        float[] dd = Scratch.scales();
        java.util.Arrays.fill(acc, 0, 2 * G, 0f);
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int xa0 = t * cols;
        int xb0 = (t + 1) * cols;
        int sb = 8 * PARTS * G; // input B's sums
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            for (int c = 0; c < 4; c++) {
                long col = off + QS + (long) c * SUB * G;
                int xa = xa0 + b * BLOCK + c * 2 * SUB;
                int xb = xb0 + b * BLOCK + c * 2 * SUB;
                for (int k = 0; k < PARTS; k++) {
                    ShortVector loA = ShortVector.zero(S_G);
                    ShortVector hiA = loA;
                    ShortVector loB = loA;
                    ShortVector hiB = loA;
                    for (int p = 8 * k; p < 8 * k + 8; p++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
                        ShortVector h = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, off + QH + (long) p * G, LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).lanewise(VectorOperators.LSHR, 2 * c);
                        ShortVector lo = v.and(LOW_NIBBLE).or(h.lanewise(VectorOperators.LSHL, 4).and(FIFTH_BIT));
                        ShortVector hi = (Species.SHIFT_BY_VECTOR ? v.lanewise(VectorOperators.LSHR, FOUR) : v.lanewise(VectorOperators.LSHR, 4)).or(h.lanewise(VectorOperators.LSHL, 3).and(FIFTH_BIT));
                        loA = lo.mul(ShortVector.broadcast(S_G, q[xa + p])).add(loA);
                        hiA = hi.mul(ShortVector.broadcast(S_G, q[xa + SUB + p])).add(hiA);
                        loB = lo.mul(ShortVector.broadcast(S_G, q[xb + p])).add(loB);
                        hiB = hi.mul(ShortVector.broadcast(S_G, q[xb + SUB + p])).add(hiB);
                    }
                    loA.intoArray(sums, (PARTS * 2 * c + k) * G);
                    hiA.intoArray(sums, (PARTS * (2 * c + 1) + k) * G);
                    loB.intoArray(sums, sb + (PARTS * 2 * c + k) * G);
                    hiB.intoArray(sums, sb + (PARTS * (2 * c + 1) + k) * G);
                }
            }
            for (int i = 0; i < 2; i++) { // one call site: C2 inlines at most one copy
                KSuperBlock.addSums(d, off + HEAD, sums, i * sb, PARTS, in, ((t + i) * blocks + b) * 8, acc, i * G, dd);
            }
        }
        System.arraycopy(acc, 0, out, outA, count);
        System.arraycopy(acc, G, out, outB, count);
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
            for (int c = 0; c < 4; c++) {
                int j = 2 * c;
                FloatVector fA0 = FloatVector.fromArray(F, f, j * G);
                FloatVector fA1 = FloatVector.fromArray(F, f, j * G + V);
                FloatVector fB0 = FloatVector.fromArray(F, f, (j + 1) * G);
                FloatVector fB1 = FloatVector.fromArray(F, f, (j + 1) * G + V);
                FloatVector nA0 = FloatVector.fromArray(F, f, (8 + j) * G);
                FloatVector nA1 = FloatVector.fromArray(F, f, (8 + j) * G + V);
                FloatVector nB0 = FloatVector.fromArray(F, f, (9 + j) * G);
                FloatVector nB1 = FloatVector.fromArray(F, f, (9 + j) * G + V);
                long col = off + QS + (long) c * SUB * G;
                int k = b * BLOCK + c * 2 * SUB;
                for (int p = 0; p < SUB; p++) {
                    int lo = (k + p) * G;
                    int hi = (k + SUB + p) * G;
                    // Each 32-bit lane: row i's byte in bits 0-7, row V+i's in bits 16-23.
                    IntVector v = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, col + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts();
                    IntVector h = ((ShortVector) ByteVector.fromMemorySegment(B_G, d, off + QH + (long) p * G, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0)).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, j);
                    IntVector first = v.and(0xff).or(h.and(0x3).lanewise(VectorOperators.LSHL, 8));
                    IntVector second = v.lanewise(VectorOperators.LSHR, 16).or(h.and(0x30000).lanewise(VectorOperators.LSHR, 8));
                    // first/second: nibbles in bits 0-7, the two fifth bits in bits 8-9.
                    ((FloatVector) first.and(15).or(first.lanewise(VectorOperators.LSHR, 4).and(16))
                            .convertShape(VectorOperators.I2F, F, 0)).mul(fA0).sub(nA0).intoArray(panel, po + lo);
                    ((FloatVector) second.and(15).or(second.lanewise(VectorOperators.LSHR, 4).and(16))
                            .convertShape(VectorOperators.I2F, F, 0)).mul(fA1).sub(nA1).intoArray(panel, po + lo + V);
                    ((FloatVector) first.lanewise(VectorOperators.LSHR, 4).and(15).or(first.lanewise(VectorOperators.LSHR, 5).and(16))
                            .convertShape(VectorOperators.I2F, F, 0)).mul(fB0).sub(nB0).intoArray(panel, po + hi);
                    ((FloatVector) second.lanewise(VectorOperators.LSHR, 4).and(15).or(second.lanewise(VectorOperators.LSHR, 5).and(16))
                            .convertShape(VectorOperators.I2F, F, 0)).mul(fB1).sub(nB1).intoArray(panel, po + hi + V);
                }
            }
        }
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
                long col = off + QS + (long) c * SUB * G + pos;
                int o = outOff + b * BLOCK + c * 2 * SUB;
                for (int p = 0; p < SUB; p++) {
                    int v = u8(col + (long) p * G);
                    int h = u8(off + QH + (long) p * G + pos) >>> j;
                    out[o + p] = d1 * ((v & 15) | (h & 1) << 4) - m1;
                    out[o + SUB + p] = d2 * ((v >>> 4) | (h & 2) << 3) - m2;
                }
            }
        }
    }

    private int u8(long off) {
        return data.get(LittleEndian.BYTE, off) & 0xff;
    }
}
