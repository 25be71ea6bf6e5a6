package dev.llama3j.tensor;

import dev.llama3j.UnsupportedModelException;
import java.lang.foreign.MemorySegment;

/** Factory for the block-quantized matrix types. */
final class QuantizedMatrices {
    private QuantizedMatrices() {}

    static WeightMatrix of(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        throw new UnsupportedModelException("tensor '" + name + "': tensor type " + type
                + " is not supported for matrix weights yet");
    }
}
