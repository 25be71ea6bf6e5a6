package dev.llama3j.quant;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** fp32 matrices made from dequantized values, in memory the garbage collector frees. */
final class Dequantized {
    private Dequantized() {}

    static WeightMatrix matrix(String name, int rows, int cols, float[] values) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return WeightMatrix.of(name, GgmlType.F32, rows, cols, seg);
    }
}
