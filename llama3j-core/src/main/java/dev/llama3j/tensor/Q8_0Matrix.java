package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q8_0: blocks of 32 values, each block 34 bytes: an fp16 scale {@code d}, then 32 signed bytes
 * {@code q}. Value {@code j} of a block is {@code q[j] * d}.
 */
final class Q8_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + 32;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q8_0Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q8_0, rows, cols, data);
    }

    /** The same values in the layout of {@link PackedQ8Matrix}, whose kernels are several times faster. */
    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool) {
        return PackedQ8Matrix.pack(name, rows, cols, data, arena, pool);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * BLOCK;
            FloatVector acc = FloatVector.zero(F);
            for (int half = 0; half < 2; half++) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, blk + 2 + half * 16L, ByteOrder.LITTLE_ENDIAN);
                int xh = xb + half * 16;
                for (int p = 0; p < PARTS; p++) {
                    FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
                    acc = qf.fma(FloatVector.fromArray(F, x, xh + p * F.length()), acc);
                }
            }
            // Scale once per block, and reduce across lanes once per row.
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
            for (int j = 0; j < BLOCK; j++) {
                out[o + j] = data.get(LittleEndian.BYTE, blk + 2 + j) * d;
            }
        }
    }
}
