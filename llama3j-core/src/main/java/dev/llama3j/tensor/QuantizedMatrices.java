package dev.llama3j.tensor;

import dev.llama3j.error.UnsupportedModelException;
import java.lang.foreign.MemorySegment;

/** Factory for the block-quantized matrix types. */
final class QuantizedMatrices {
    private QuantizedMatrices() {}

    static WeightMatrix of(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        return switch (type) {
            case Q8_0 -> new Q8_0Matrix(name, rows, cols, data);
            case Q4_0 -> new Q4_0Matrix(name, rows, cols, data);
            case Q4_1 -> new Q4_1Matrix(name, rows, cols, data);
            case Q4_K -> new Q4_KMatrix(name, rows, cols, data);
            case Q5_K -> new Q5_KMatrix(name, rows, cols, data);
            case Q6_K -> new Q6_KMatrix(name, rows, cols, data);
            default -> throw new UnsupportedModelException("tensor '" + name + "': tensor type " + type
                    + " is not supported for matrix weights; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K,"
                    + " Q5_K, Q6_K");
        };
    }
}
