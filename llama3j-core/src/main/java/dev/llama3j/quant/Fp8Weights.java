package dev.llama3j.quant;

import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One FP8 linear layer (compressed-tensors float-quantized or fbgemm_fp8): E4M3 weights row-major
 * {@code [out, in]}, a scale per output row or one for the whole tensor, and what the layer does to its
 * inputs. {@code value = e4m3 * scale}.
 *
 * @param e4m3 {@code rows × cols} bytes, row-major
 * @param scales length {@code rows} (per channel) or 1 (per tensor)
 */
public record Fp8Weights(String name, int rows, int cols, MemorySegment e4m3, float[] scales,
        ActivationQuantization activations) {

    /** The scale of output row {@code r}. */
    public float scale(int r) {
        return scales.length == 1 ? scales[0] : scales[r];
    }

    /**
     * The matrix the model multiplies with: the weights dequantized; inputs stay in full precision
     * until the FP8 kernel quantizes them as {@link #activations} says.
     */
    public WeightMatrix toMatrix() {
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            float s = scale(r);
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = E4m3.decode(e4m3.get(ValueLayout.JAVA_BYTE, (long) r * cols + c)) * s;
            }
        }
        return Dequantized.matrix(name, rows, cols, w);
    }
}
