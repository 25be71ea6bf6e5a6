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
 * here holds that same byte for each of the {@code G} rows. The bytes are unchanged, only reordered.
 *
 * <p>Generating multiplies these nibbles with the input quantized to 8 bits (like llama.cpp's
 * Q4_0 × Q8_0 dot product) in 16-bit lanes, one lane per row: 16 products of a nibble (at most 15)
 * and an 8-bit value (at most 127 in magnitude) fit a 16-bit sum, so half a block is summed with
 * plain short multiplies and adds before widening. Prompts go through the fp32 {@link Gemm} path.
 */
final class PackedQ4Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 32;
    /** Bytes of one group's block: G fp16 scales, then 16 × G nibble pairs. */
    static final int GROUP_BLOCK_BYTES = 2 * G + 16 * G;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    private static final VectorSpecies<Byte> B_V =
            V >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;

    private final int blocks;

    private PackedQ4Matrix(String name, int rows, int cols, MemorySegment packed) {
        super(name, GgmlType.Q4_0, rows, cols, packed);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q4_0 rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ4Matrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        int blocks = cols / BLOCK;
        int groups = (rows + G - 1) / G;
        MemorySegment packed = arena.allocate((long) groups * blocks * GROUP_BLOCK_BYTES, 64);
        long rowBytes = (long) blocks * Q4_0Matrix.BLOCK_BYTES;
        pool.parallelFor(groups, 1, (g0, g1) -> {
            byte[] src = new byte[Q4_0Matrix.BLOCK_BYTES];
            for (int g = g0; g < g1; g++) {
                for (int b = 0; b < blocks; b++) {
                    long dst = ((long) g * blocks + b) * GROUP_BLOCK_BYTES;
                    for (int r = 0; r < G; r++) {
                        int row = g * G + r;
                        if (row >= rows) {
                            // Padding rows: zero scale, and nibbles 8 (= value 0) for tidiness.
                            for (int p = 0; p < 16; p++) {
                                packed.set(LittleEndian.BYTE, dst + 2L * G + (long) p * G + r, (byte) 0x88);
                            }
                            continue;
                        }
                        MemorySegment.copy(data, LittleEndian.BYTE, row * rowBytes + (long) b * Q4_0Matrix.BLOCK_BYTES,
                                src, 0, src.length);
                        packed.set(LittleEndian.BYTE, dst + 2L * r, src[0]);
                        packed.set(LittleEndian.BYTE, dst + 2L * r + 1, src[1]);
                        long col = dst + 2L * G + r;
                        for (int p = 0; p < 16; p++) {
                            packed.set(LittleEndian.BYTE, col + (long) p * G, src[2 + p]);
                        }
                    }
                }
            }
        });
        return new PackedQ4Matrix(name, rows, cols, packed);
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

    private ShortVector nibblePairs(long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B_G, data, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S_G, 0);
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

    private void kernel1(int g, MatmulInput in, int t, float[] out, int outOff, int count) {
        short[] q = in.q;
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qb = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xo = (qb + b) * BLOCK;
            ShortVector lo = ShortVector.zero(S_G);
            ShortVector hi = lo;
            for (int p = 0; p < 8; p++) {
                ShortVector v = nibblePairs(col + (long) p * G);
                lo = lo.add(v.and((short) 15).mul(q[xo + p])).add(v.lanewise(VectorOperators.LSHR, 4).mul(q[xo + p + 16]));
            }
            for (int p = 8; p < 16; p++) {
                ShortVector v = nibblePairs(col + (long) p * G);
                hi = hi.add(v.and((short) 15).mul(q[xo + p])).add(v.lanewise(VectorOperators.LSHR, 4).mul(q[xo + p + 16]));
            }
            // Nibbles are stored as value + 8: subtract 8 × (sum of the block's inputs).
            int offset = 8 * in.qSum[qb + b];
            FloatVector d = FloatVector.broadcast(F, in.qScale[qb + b]);
            acc0 = blockSum(lo, hi, 0, offset).mul(Halves.toFloats(data, off, 0)).fma(d, acc0);
            acc1 = blockSum(lo, hi, 1, offset).mul(Halves.toFloats(data, off, 1)).fma(d, acc1);
        }
        Gemm.store(acc0, acc1, count, out, outOff);
    }

    /** Two inputs at once: each column of nibbles is loaded and split once for both. */
    private void kernel2(int g, MatmulInput in, int t, float[] out, int outA, int outB, int count) {
        short[] q = in.q;
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int qa = t * blocks;
        int qbb = (t + 1) * blocks;
        FloatVector accA0 = FloatVector.zero(F);
        FloatVector accA1 = accA0, accB0 = accA0, accB1 = accA0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xa = (qa + b) * BLOCK;
            int xb = (qbb + b) * BLOCK;
            ShortVector loA = ShortVector.zero(S_G);
            ShortVector hiA = loA, loB = loA, hiB = loA;
            for (int p = 0; p < 8; p++) {
                ShortVector v = nibblePairs(col + (long) p * G);
                ShortVector l = v.and((short) 15);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                loA = loA.add(l.mul(q[xa + p])).add(h.mul(q[xa + p + 16]));
                loB = loB.add(l.mul(q[xb + p])).add(h.mul(q[xb + p + 16]));
            }
            for (int p = 8; p < 16; p++) {
                ShortVector v = nibblePairs(col + (long) p * G);
                ShortVector l = v.and((short) 15);
                ShortVector h = v.lanewise(VectorOperators.LSHR, 4);
                hiA = hiA.add(l.mul(q[xa + p])).add(h.mul(q[xa + p + 16]));
                hiB = hiB.add(l.mul(q[xb + p])).add(h.mul(q[xb + p + 16]));
            }
            FloatVector s0 = Halves.toFloats(data, off, 0);
            FloatVector s1 = Halves.toFloats(data, off, 1);
            int offA = 8 * in.qSum[qa + b];
            int offB = 8 * in.qSum[qbb + b];
            FloatVector dA = FloatVector.broadcast(F, in.qScale[qa + b]);
            FloatVector dB = FloatVector.broadcast(F, in.qScale[qbb + b]);
            accA0 = blockSum(loA, hiA, 0, offA).mul(s0).fma(dA, accA0);
            accA1 = blockSum(loA, hiA, 1, offA).mul(s1).fma(dA, accA1);
            accB0 = blockSum(loB, hiB, 0, offB).mul(s0).fma(dB, accB0);
            accB1 = blockSum(loB, hiB, 1, offB).mul(s1).fma(dB, accB1);
        }
        Gemm.store(accA0, accA1, count, out, outA);
        Gemm.store(accB0, accB1, count, out, outB);
    }

    /** The two 16-bit half-block sums of rows {@code [part*V, part*V + V)}, widened, minus the offset. */
    private static FloatVector blockSum(ShortVector lo, ShortVector hi, int part, int offset) {
        IntVector a = (IntVector) lo.convertShape(VectorOperators.S2I, I, part);
        IntVector b = (IntVector) hi.convertShape(VectorOperators.S2I, I, part);
        return (FloatVector) a.add(b).sub(offset).convertShape(VectorOperators.I2F, F, 0);
    }

    @Override
    protected void fillPanel(int r0, int count, float[] panel) {
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            FloatVector s0 = Halves.toFloats(data, off, 0);
            FloatVector s1 = Halves.toFloats(data, off, 1);
            long col = off + 2L * G;
            for (int p = 0; p < 16; p++) {
                int lo = (b * BLOCK + p) * G;
                int hi = (b * BLOCK + p + 16) * G;
                long c = col + (long) p * G;
                for (int part = 0; part < 2; part++) {
                    ByteVector v = bytes(c, part);
                    FloatVector s = part == 0 ? s0 : s1;
                    ((FloatVector) v.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2F, F, partIndex(part)))
                            .mul(s).intoArray(panel, lo + part * V);
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub((byte) 8)
                            .convertShape(VectorOperators.B2F, F, partIndex(part))).mul(s).intoArray(panel, hi + part * V);
                }
            }
        }
    }

    /** The bytes of rows {@code [part*V, part*V+V)} of a column: a V-lane load, or the whole column. */
    private ByteVector bytes(long col, int part) {
        if (B_V != null) {
            return ByteVector.fromMemorySegment(B_V, data, col + (long) part * V, ByteOrder.LITTLE_ENDIAN);
        }
        return ByteVector.fromMemorySegment(B_G, data, col, ByteOrder.LITTLE_ENDIAN);
    }

    private static int partIndex(int part) {
        return B_V != null ? 0 : part;
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
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float d = LittleEndian.half(data, off + 2L * r);
            long col = off + 2L * G + r;
            for (int p = 0; p < 16; p++) {
                int v = data.get(LittleEndian.BYTE, col + (long) p * G) & 0xff;
                out[outOff + b * BLOCK + p] = ((v & 15) - 8) * d;
                out[outOff + b * BLOCK + p + 16] = ((v >> 4) - 8) * d;
            }
        }
    }
}
