package dev.llama3j.quant;

import dev.llama3j.tensor.WeightMatrix;

/** A quantized linear layer in its neutral form, whichever family it came from. */
public sealed interface QuantizedLayer {
    /** The matrix the model multiplies with. */
    WeightMatrix toMatrix();

    record Int4(Int4Weights weights) implements QuantizedLayer {
        @Override
        public WeightMatrix toMatrix() {
            return weights.toMatrix();
        }
    }

    record Fp8(Fp8Weights weights) implements QuantizedLayer {
        @Override
        public WeightMatrix toMatrix() {
            return weights.toMatrix();
        }
    }
}
