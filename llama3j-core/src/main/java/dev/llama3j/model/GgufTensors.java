package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * Tensors of a GGUF file, addressed by Hugging Face names ({@link LlamaGgufNames} maps them). Matrices
 * are the file's bytes in place (any supported type); Q and K rows stay in the file's order, for
 * which the model rotates interleaved pairs ({@link RopeLayout#INTERLEAVED}).
 */
public final class GgufTensors implements TensorSource {
    private final GgufFile file;

    public GgufTensors(GgufFile file) {
        this.file = file;
    }

    private GgufTensor get(String hfName) {
        String name = LlamaGgufNames.toGguf(hfName);
        if (name == null) {
            throw new ModelFormatException(file.source() + ": no GGUF tensor corresponds to '" + hfName + "'");
        }
        if (!file.hasTensor(name)) {
            throw new ModelFormatException(file.source() + ": tensor '" + name + "' is missing");
        }
        return file.tensor(name);
    }

    @Override
    public WeightMatrix matrix(String hfName, int rows, int cols) {
        GgufTensor t = get(hfName);
        if (t.nDims() != 2 || t.dim(0) != cols || t.dim(1) != rows) {
            throw shapeError(t, new long[] {cols, rows});
        }
        return t.asMatrix();
    }

    @Override
    public float[] vector(String hfName, int length) {
        GgufTensor t = get(hfName);
        if (t.nDims() != 1 || t.dim(0) != length) {
            throw shapeError(t, new long[] {length});
        }
        return t.toFloatArray();
    }

    @Override
    public boolean has(String hfName) {
        String name = LlamaGgufNames.toGguf(hfName);
        return name != null && file.hasTensor(name);
    }

    @Override
    public RopeLayout ropeLayout() {
        return RopeLayout.INTERLEAVED;
    }

    /**
     * {@code rope_freqs.weight} (Llama 3.1's RoPE scaling, one divisor per frequency), when the file has
     * it, scales the frequencies as llama.cpp applies it; else the tables follow the metadata.
     */
    @Override
    public RopeTables rope(LlamaConfig config) {
        if (!file.hasTensor(LlamaGgufNames.ROPE_FREQS)) {
            return RopeTables.of(config, ropeLayout());
        }
        int headDim = config.headDim();
        GgufTensor t = file.tensor(LlamaGgufNames.ROPE_FREQS);
        if (t.nDims() != 1 || t.dim(0) != headDim / 2) {
            throw shapeError(t, new long[] {headDim / 2});
        }
        return RopeTables.withFactors(headDim, config.ropeTheta(), t.toFloatArray(), ropeLayout());
    }

    private ModelFormatException shapeError(GgufTensor t, long[] expected) {
        String hf = LlamaGgufNames.toHf(t.name());
        return new ModelFormatException(file.source() + ": tensor '" + t.name() + "'"
                + (hf == null ? "" : " (" + hf + ")") + " has dimensions " + Arrays.toString(t.dims())
                + " but the metadata implies " + Arrays.toString(expected) + " (ne0 first)");
    }
}
