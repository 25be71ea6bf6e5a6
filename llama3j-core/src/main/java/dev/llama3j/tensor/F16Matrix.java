package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** IEEE half-precision weights. */
final class F16Matrix extends WeightMatrix {
    F16Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.F16, rows, cols, data);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L)) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[outOff + i] = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L));
        }
    }
}
