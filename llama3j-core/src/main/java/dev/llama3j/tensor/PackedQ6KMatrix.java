package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K weights (llama.cpp's usual type for the output layer of Q4 files) repacked at load time like
 * {@link PackedQ8Matrix}: rows in groups of {@link Gemm#G}; per 256-value super-block, the rows' fp16
 * {@code d} (in {@link Halves}' interleaved order), then the 16 sub-block scales of each row
 * ({@code [sub-block][row]}, signed bytes), then 256 columns of {@code G} signed bytes, the 6-bit
 * values already unpacked and centred ({@code q - 32}). One byte per weight instead of 0.82, in
 * exchange for kernels with no bit unpacking; the values and scales are exactly the file's.
 */
final class PackedQ6KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 256;
    private static final int SUB = 16;
    static final int GROUP_BLOCK_BYTES = 2 * G + SUB * G + BLOCK * G;
    private static final int SCALES = 2 * G;
    private static final int VALUES = 2 * G + SUB * G;
    private static final boolean SPLIT_LOADS = V >= 8;
    private static final VectorSpecies<Byte> B_V =
            SPLIT_LOADS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int blocks;

    private PackedQ6KMatrix(String name, int rows, int cols, MemorySegment packed) {
        super(name, GgmlType.Q6_K, rows, cols, packed);
        this.blocks = cols / BLOCK;
    }

    /** Repacks ggml Q6_K rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ6KMatrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        int blocks = cols / BLOCK;
        int groups = (rows + G - 1) / G;
        long groupBytes = (long) blocks * GROUP_BLOCK_BYTES;
        long rowBytes = (long) blocks * Q6_KMatrix.BLOCK_BYTES;
        MemorySegment packed = arena.allocate(groups * groupBytes, 64);
        pool.parallelFor(groups, 1, (g0, g1) -> {
            byte[] in = new byte[(int) rowBytes];
            byte[] values = new byte[G * cols]; // [row][k], unpacked and centred
            byte[] out = new byte[(int) groupBytes];
            int[] rowOffset = new int[G]; // offset of each row in `values`
            for (int r = 0; r < G; r++) {
                rowOffset[r] = r * cols;
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
                            out[ob + SCALES + j * G + r] = in[blk + 192 + j];
                        }
                    }
                }
                for (int b = 0; b < blocks; b++) {
                    int ov = b * GROUP_BLOCK_BYTES + VALUES;
                    for (int r0 = 0; r0 < G; r0 += 8) {
                        for (int k0 = 0; k0 < BLOCK; k0 += 8) {
                            GroupPacker.transpose8(values, rowOffset, r0, b * BLOCK + k0, out, ov + k0 * G + r0, G);
                        }
                    }
                }
                MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
            }
        });
        return new PackedQ6KMatrix(name, rows, cols, packed);
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
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (n >= gemmMinTokens()) {
            super.matmul(in, out, outStride, r0, r1);
            return;
        }
        float[] x = in.x();
        for (int g = r0 / G; g * G < r1; g++) {
            int count = Math.min(G, rows - g * G);
            for (int t = 0; t < n; t++) {
                kernel1(g, x, t * cols, out, t * outStride + g * G, count);
            }
        }
    }

    // Written out in full on purpose: see PackedQ8Matrix.
    private void kernel1(int g, float[] x, int xOff, float[] out, int outOff, int count) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            FloatVector blockAcc0 = FloatVector.zero(F);
            FloatVector blockAcc1 = blockAcc0;
            for (int j = 0; j < SUB; j++) {
                long col = off + VALUES + (long) j * SUB * G;
                int xb = xOff + b * BLOCK + j * SUB;
                FloatVector a0 = FloatVector.zero(F);
                FloatVector a1 = a0;
                for (int k = 0; k < SUB; k++) {
                    FloatVector xk = FloatVector.broadcast(F, x[xb + k]);
                    long c = col + (long) k * G;
                    FloatVector w0 = SPLIT_LOADS
                            ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2F, F, 0)
                            : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = SPLIT_LOADS
                            ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2F, F, 0)
                            : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 1);
                    a0 = w0.fma(xk, a0);
                    a1 = w1.fma(xk, a1);
                }
                long s = off + SCALES + (long) j * G;
                FloatVector s0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, s, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, s, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector s1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, s + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, s, LE).convertShape(VectorOperators.B2F, F, 1);
                blockAcc0 = a0.fma(s0, blockAcc0);
                blockAcc1 = a1.fma(s1, blockAcc1);
            }
            acc0 = blockAcc0.fma(d0, acc0);
            acc1 = blockAcc1.fma(d1, acc1);
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
     * The packed values are already in the panel's order ({@code [k][row]}): one vector multiply per
     * {@link Gemm#V} rows and column, {@code q * (d * scale)} exactly as {@link #dequantizeRow}. Used
     * with 3 or more inputs, e.g. the output layer for several decoding sequences at once.
     */
    @Override
    protected void fillPanel(int r0, int count, float[] panel) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales);
            FloatVector d0 = FloatVector.fromArray(F, scales, 0);
            FloatVector d1 = FloatVector.fromArray(F, scales, V);
            for (int j = 0; j < SUB; j++) {
                long s = off + SCALES + (long) j * G;
                FloatVector s0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, s, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, s, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector s1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, s + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, s, LE).convertShape(VectorOperators.B2F, F, 1);
                s0 = d0.mul(s0);
                s1 = d1.mul(s1);
                long col = off + VALUES + (long) j * SUB * G;
                int p = (b * BLOCK + j * SUB) * G;
                for (int k = 0; k < SUB; k++) {
                    long c = col + (long) k * G;
                    FloatVector w0 = SPLIT_LOADS
                            ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2F, F, 0)
                            : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = SPLIT_LOADS
                            ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2F, F, 0)
                            : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 1);
                    w0.mul(s0).intoArray(panel, p + k * G);
                    w1.mul(s1).intoArray(panel, p + k * G + V);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = row % G;
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float dd = LittleEndian.half(data, off + 2L * Halves.position(r));
            for (int j = 0; j < SUB; j++) {
                float s = dd * data.get(LittleEndian.BYTE, off + SCALES + (long) j * G + r);
                for (int k = 0; k < SUB; k++) {
                    int idx = j * SUB + k;
                    out[outOff + b * BLOCK + idx] = data.get(LittleEndian.BYTE, off + VALUES + (long) idx * G + r) * s;
                }
            }
        }
    }
}
