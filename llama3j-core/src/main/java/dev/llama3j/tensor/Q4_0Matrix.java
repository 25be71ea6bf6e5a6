package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q4_0: blocks of 32 values, each block 18 bytes: an fp16 scale {@code d}, then 16 bytes of
 * nibbles. Byte {@code j} holds value {@code j} in its low nibble and value {@code j+16} in its high
 * nibble; a value is {@code (nibble - 8) * d}.
 */
final class Q4_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + 16;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q4_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q4_0, rows, cols, data);
    }

    /** The same values in the layout of {@link PackedQ4Matrix}, whose kernels are several times faster. */
    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool) {
        return PackedQ4Matrix.pack(name, rows, cols, data, arena, pool);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            ByteVector qs = ByteVector.fromMemorySegment(B, data, blk + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = qs.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = qs.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F).sub((byte) 8);
            FloatVector acc = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                FloatVector lf = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
                acc = lf.fma(FloatVector.fromArray(F, x, xb + p * F.length()), acc);
                FloatVector hf = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
                acc = hf.fma(FloatVector.fromArray(F, x, xb + 16 + p * F.length()), acc);
            }
            total = acc.fma(FloatVector.broadcast(F, LittleEndian.half(data, blk)), total);
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
            int o = outOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(LittleEndian.BYTE, blk + 2 + j) & 0xFF;
                out[o + j] = ((q & 0x0F) - 8) * d;
                out[o + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }
}
