package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** fp32 weights. */
final class F32Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;

    F32Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.F32, rows, cols, data);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 4;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(cols);
        for (; i < bound; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, base + i * 4L, ByteOrder.LITTLE_ENDIAN);
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, base + i * 4L) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, (long) row * cols * 4, out, outOff, cols);
    }
}
