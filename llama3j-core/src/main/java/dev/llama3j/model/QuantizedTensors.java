package dev.llama3j.model;

import dev.llama3j.quant.QuantizedCheckpoint;
import dev.llama3j.tensor.WeightMatrix;

/**
 * The tensors of a quantized Hugging Face checkpoint: each linear layer its config quantizes comes
 * unpacked from {@link QuantizedCheckpoint}; everything else (embeddings, norms, layers left
 * unquantized) reads as in a plain folder.
 */
final class QuantizedTensors implements TensorSource {
    private final SafetensorsTensors plain;
    private final QuantizedCheckpoint quantized;

    QuantizedTensors(SafetensorsTensors plain, QuantizedCheckpoint quantized) {
        this.plain = plain;
        this.quantized = quantized;
    }

    @Override
    public WeightMatrix matrix(String name, int rows, int cols) {
        String module = moduleOf(name);
        if (module != null && quantized.quantizes(module)) {
            WeightMatrix m = quantized.layer(module, rows, cols).toMatrix();
            quantized.release(module); // repacked: the mapped words are not read again
            return m;
        }
        if (module != null) {
            quantized.checkUnquantized(module);
        }
        return plain.matrix(name, rows, cols);
    }

    @Override
    public float[] vector(String name, int length) {
        return plain.vector(name, length);
    }

    @Override
    public boolean has(String name) {
        String module = moduleOf(name);
        return module != null && quantized.quantizes(module) ? quantized.hasLayer(module) : plain.has(name);
    }

    @Override
    public RopeLayout ropeLayout() {
        return plain.ropeLayout();
    }

    private static String moduleOf(String name) {
        return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
    }
}
