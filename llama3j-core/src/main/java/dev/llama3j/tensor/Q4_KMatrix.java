package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q4_K: super-blocks of 256 values in 144 bytes: fp16 {@code d}, fp16 {@code dmin}, 12 bytes of
 * packed 6-bit scales and mins for 8 sub-blocks of 32 ({@link KQuantScales}), then 128 bytes of nibbles.
 * The nibbles come in 4 chunks of 32 bytes, each covering 64 values: the low nibbles of the chunk are
 * sub-block {@code 2c}, the high nibbles sub-block {@code 2c+1}. A value is
 * {@code d*scale * nibble - dmin*min}.
 */
final class Q4_KMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 2 + 2 + 12 + 128;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q4_KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_K, rows, cols, data);
    }

    /** The same values in the layout of {@link PackedQ4KMatrix}, whose kernels are several times faster. */
    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool) {
        return PackedQ4KMatrix.pack(name, rows, cols, data, arena, pool);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            float d = LittleEndian.half(data, blk);
            float dmin = LittleEndian.half(data, blk + 2);
            for (int c = 0; c < 4; c++) {
                int xc = xOff + b * BLOCK + c * 64;
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector sxLo = FloatVector.zero(F);
                FloatVector sxHi = FloatVector.zero(F);
                for (int h = 0; h < 2; h++) { // two 16-byte halves of the chunk's 32 bytes
                    ByteVector qs = ByteVector.fromMemorySegment(B, data, blk + QS + c * 32L + h * 16L,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector lo = qs.and((byte) 0x0F);
                    ByteVector hi = qs.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F);
                    for (int p = 0; p < PARTS; p++) {
                        int xi = xc + h * 16 + p * F.length();
                        FloatVector x0 = FloatVector.fromArray(F, x, xi);
                        FloatVector x1 = FloatVector.fromArray(F, x, xi + 32);
                        qxLo = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(x0, qxLo);
                        qxHi = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(x1, qxHi);
                        sxLo = x0.add(sxLo);
                        sxHi = x1.add(sxHi);
                    }
                }
                // sum((d*sc*q - dmin*m) * x) = d*sc * sum(q*x) - dmin*m * sum(x), per sub-block
                int j = 2 * c;
                total = qxLo.fma(FloatVector.broadcast(F, d * KQuantScales.scale(data, blk + SCALES, j)), total);
                total = sxLo.fma(FloatVector.broadcast(F, -dmin * KQuantScales.min(data, blk + SCALES, j)), total);
                total = qxHi.fma(FloatVector.broadcast(F, d * KQuantScales.scale(data, blk + SCALES, j + 1)), total);
                total = sxHi.fma(FloatVector.broadcast(F, -dmin * KQuantScales.min(data, blk + SCALES, j + 1)), total);
            }
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        int o = outOff;
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            float d = LittleEndian.half(data, blk);
            float dmin = LittleEndian.half(data, blk + 2);
            for (int c = 0; c < 4; c++) {
                float d1 = d * KQuantScales.scale(data, blk + SCALES, 2 * c);
                float m1 = dmin * KQuantScales.min(data, blk + SCALES, 2 * c);
                float d2 = d * KQuantScales.scale(data, blk + SCALES, 2 * c + 1);
                float m2 = dmin * KQuantScales.min(data, blk + SCALES, 2 * c + 1);
                long q = blk + QS + c * 32L;
                for (int l = 0; l < 32; l++) {
                    out[o + l] = d1 * (data.get(LittleEndian.BYTE, q + l) & 0x0F) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    out[o + 32 + l] = d2 * ((data.get(LittleEndian.BYTE, q + l) & 0xFF) >>> 4) - m2;
                }
                o += 64;
            }
        }
    }
}
