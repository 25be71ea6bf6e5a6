package dev.llama3j.quant;

import dev.llama3j.tensor.Fp8Activations;
import dev.llama3j.tensor.Fp8Matrix;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * One FP8 linear layer (compressed-tensors float-quantized or fbgemm_fp8): E4M3 weights row-major
 * {@code [out, in]}, a scale per output row or one for the whole tensor, and what the layer does to its
 * inputs. {@code value = e4m3 * scale}.
 *
 * @param e4m3 {@code rows × cols} bytes, row-major
 * @param scales length {@code rows} (per channel) or 1 (per tensor)
 */
public record Fp8Weights(String name, int rows, int cols, MemorySegment e4m3, float[] scales,
        Fp8Activations activations) {

    /** The scale of output row {@code r}. */
    public float scale(int r) {
        return scales.length == 1 ? scales[0] : scales[r];
    }

    /** The matrix the model multiplies with: repacked for the FP8 kernels, which treat inputs as {@link #activations} says. */
    public WeightMatrix toMatrix() {
        return Fp8Matrix.of(name, rows, cols, e4m3, scales, activations);
    }
}
