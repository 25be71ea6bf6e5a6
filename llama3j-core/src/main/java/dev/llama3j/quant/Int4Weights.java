package dev.llama3j.quant;

import dev.llama3j.tensor.Int4Codes;
import dev.llama3j.tensor.Int4GroupMatrix;
import dev.llama3j.tensor.WeightMatrix;

/**
 * One INT4 linear layer unpacked from any of the INT4 layouts (AWQ, GPTQ, compressed-tensors) into one
 * neutral form: a 4-bit code per weight, with a scale and a zero per group of input columns.
 * {@code value = (code - zero) * scale}.
 *
 * @param rows output features
 * @param cols input features
 * @param codes the code (0..15) of each output and stored column; unpacked from a checkpoint they are read
 *     from its packed words as the matrix is built, so the mapping must stay open until {@link #toMatrix}
 * @param scales {@code rows × (cols / groupSize)}; stored column {@code c} is in group {@code c / groupSize}
 * @param zeros the same shape as {@code scales}
 * @param inputOrder null when stored column {@code c} is input {@code c}; else stored column {@code c}
 *     holds model input {@code inputOrder[c]} (GPTQ with {@code desc_act}: columns sorted by group)
 */
public record Int4Weights(String name, int rows, int cols, int groupSize, Int4Codes codes, float[] scales,
        float[] zeros, int[] inputOrder) {

    /** The weight at output {@code r}, stored column {@code c}. */
    public float value(int r, int c) {
        int g = r * (cols / groupSize) + c / groupSize;
        return (codes.code(r, c) - zeros[g]) * scales[g];
    }

    /** The matrix the model multiplies with: repacked for the INT4 kernels, in the stored input order. */
    public WeightMatrix toMatrix() {
        return Int4GroupMatrix.of(name, rows, cols, groupSize, codes, scales, zeros, inputOrder);
    }
}
