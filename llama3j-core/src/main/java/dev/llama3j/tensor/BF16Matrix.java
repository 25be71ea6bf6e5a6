package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** bfloat16 weights: the upper 16 bits of an fp32, so widening is a shift. */
final class BF16Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Short> S = Species.S_HALF;

    BF16Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.BF16, rows, cols, data);
    }

    static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(cols);
        for (; i < bound; i += F.length()) {
            ShortVector s = ShortVector.fromMemorySegment(S, data, base + i * 2L, ByteOrder.LITTLE_ENDIAN);
            FloatVector w = s.convertShape(VectorOperators.S2I, Species.I, 0)
                    .reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += toFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L)) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[outOff + i] = toFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L));
        }
    }
}
