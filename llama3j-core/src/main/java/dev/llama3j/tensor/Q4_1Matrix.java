package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q4_1: blocks of 32 values, each block 20 bytes: an fp16 scale {@code d}, an fp16 offset
 * {@code m}, then 16 bytes of nibbles laid out as in Q4_0 (byte {@code j}: value {@code j} low, value
 * {@code j+16} high). A value is {@code nibble * d + m}.
 */
final class Q4_1Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + 2 + 16;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q4_1Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_1, rows, cols, data);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            ByteVector qs = ByteVector.fromMemorySegment(B, data, blk + 4, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = qs.and((byte) 0x0F);
            ByteVector hi = qs.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F);
            FloatVector qx = FloatVector.zero(F);
            FloatVector sx = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                FloatVector x0 = FloatVector.fromArray(F, x, xb + p * F.length());
                FloatVector x1 = FloatVector.fromArray(F, x, xb + 16 + p * F.length());
                qx = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(x0, qx);
                qx = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(x1, qx);
                sx = x0.add(x1).add(sx);
            }
            // sum((q*d + m) * x) = d * sum(q*x) + m * sum(x)
            total = qx.fma(FloatVector.broadcast(F, LittleEndian.half(data, blk)), total);
            total = sx.fma(FloatVector.broadcast(F, LittleEndian.half(data, blk + 2)), total);
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            float d = LittleEndian.half(data, blk);
            float m = LittleEndian.half(data, blk + 2);
            int o = outOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(LittleEndian.BYTE, blk + 4 + j) & 0xFF;
                out[o + j] = (q & 0x0F) * d + m;
                out[o + j + 16] = (q >>> 4) * d + m;
            }
        }
    }
}
