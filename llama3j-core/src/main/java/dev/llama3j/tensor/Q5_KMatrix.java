package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q5_K: super-blocks of 256 values in 176 bytes: fp16 {@code d}, fp16 {@code dmin}, 12 bytes of
 * packed 6-bit scales and mins ({@link KQuantScales}), 32 bytes {@code qh} of fifth bits, then 128 bytes
 * {@code qs} of low nibbles laid out as in Q4_K. Value {@code l} of chunk {@code c} (64 values) takes its
 * fifth bit from {@code qh[l]} bit {@code 2c} (low nibbles) or {@code 2c+1} (high nibbles). A value is
 * {@code d*scale * q - dmin*min} with {@code q} in 0..31.
 */
final class Q5_KMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 2 + 2 + 12 + 32 + 128;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q5_KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q5_K, rows, cols, data);
    }

    /** The same values in the layout of {@link PackedQ5KMatrix}, whose kernels are several times faster. */
    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool) {
        return PackedQ5KMatrix.pack(name, rows, cols, data, arena, pool);
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
            ByteVector qh0 = ByteVector.fromMemorySegment(B, data, blk + QH, ByteOrder.LITTLE_ENDIAN);
            ByteVector qh1 = ByteVector.fromMemorySegment(B, data, blk + QH + 16, ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < 4; c++) {
                int xc = xOff + b * BLOCK + c * 64;
                FloatVector qxLo = FloatVector.zero(F);
                FloatVector qxHi = FloatVector.zero(F);
                FloatVector sxLo = FloatVector.zero(F);
                FloatVector sxHi = FloatVector.zero(F);
                for (int h = 0; h < 2; h++) {
                    ByteVector qs = ByteVector.fromMemorySegment(B, data, blk + QS + c * 32L + h * 16L,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector qh = h == 0 ? qh0 : qh1;
                    ByteVector bitLo = qh.lanewise(VectorOperators.ASHR, 2 * c).and((byte) 1).lanewise(VectorOperators.LSHL, 4);
                    ByteVector bitHi = qh.lanewise(VectorOperators.ASHR, 2 * c + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4);
                    ByteVector lo = qs.and((byte) 0x0F).or(bitLo);
                    ByteVector hi = qs.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F).or(bitHi);
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
                int bitLo = 1 << (2 * c);
                int bitHi = 1 << (2 * c + 1);
                long q = blk + QS + c * 32L;
                for (int l = 0; l < 32; l++) {
                    int ql = data.get(LittleEndian.BYTE, q + l) & 0x0F;
                    int qh = data.get(LittleEndian.BYTE, blk + QH + l) & bitLo;
                    out[o + l] = d1 * (ql + (qh != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    int ql = (data.get(LittleEndian.BYTE, q + l) & 0xFF) >>> 4;
                    int qh = data.get(LittleEndian.BYTE, blk + QH + l) & bitHi;
                    out[o + 32 + l] = d2 * (ql + (qh != 0 ? 16 : 0)) - m2;
                }
                o += 64;
            }
        }
    }
}
