package dev.llama3j.quant;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.Fp8;
import dev.llama3j.tensor.Fp8Activations;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FP8 layers, compressed-tensors float-quantized and transformers' fbgemm_fp8 alike: {@code weight}
 * F8_E4M3 {@code [out, in]}, {@code weight_scale} per output row ({@code [out, 1]}) or per tensor
 * ({@code []} or {@code [1]}), and for static activations {@code input_scale}. A NaN byte in a weight is
 * refused: no quantizer writes one, so it means a damaged file.
 */
final class Fp8Unpacker {
    private Fp8Unpacker() {}

    static Fp8Weights unpack(QuantizedCheckpoint t, String module, int rows, int cols) {
        SafetensorsTensor weight = t.part(module, ".weight");
        String file = t.file(module + ".weight");
        String label = t.config().method().label;
        if (weight.dtype().equals("F8_E5M2")) {
            throw new UnsupportedModelException(file + ": tensor '" + weight.name() + "' is F8_E5M2; " + label
                    + " weights are F8_E4M3");
        }
        if (!weight.dtype().equals("F8_E4M3")) {
            throw new ModelFormatException(file + ": tensor '" + weight.name() + "' is " + weight.dtype()
                    + ", not F8_E4M3, but " + t.config().origin() + " says '" + module + "' is " + label);
        }
        t.expect(weight, "F8_E4M3", rows, cols);
        SafetensorsTensor scaleTensor = t.part(module, ".weight_scale");
        float[] scales = QuantizedCheckpoint.floats(scaleTensor);
        long[] shape = scaleTensor.shape();
        boolean perTensor = scales.length == 1 && (shape.length <= 1);
        boolean perChannel = scales.length == rows && shape.length >= 1 && shape[0] == rows
                && (shape.length == 1 || (shape.length == 2 && shape[1] == 1));
        if (!perTensor && !perChannel) {
            throw new ModelFormatException(t.file(module + ".weight_scale") + ": tensor '" + scaleTensor.name()
                    + "' has shape " + java.util.Arrays.toString(shape) + "; expected [" + rows + ", 1] (per channel)"
                    + " or [] / [1] (per tensor)");
        }
        MemorySegment data = weight.data();
        long nan = firstNaN(data);
        if (nan >= 0) {
            throw new ModelFormatException(file + ": tensor '" + weight.name() + "' holds an FP8 NaN (byte 0x"
                    + Integer.toHexString(data.get(ValueLayout.JAVA_BYTE, nan) & 0xFF) + ") at row " + nan / cols
                    + ", column " + nan % cols);
        }
        Fp8Activations acts = t.config().activations();
        if (acts.kind() == Fp8Activations.Kind.STATIC) {
            SafetensorsTensor in = t.part(module, ".input_scale");
            float[] s = QuantizedCheckpoint.floats(in);
            if (s.length != 1 || !(s[0] > 0) || Float.isInfinite(s[0])) {
                throw new ModelFormatException(t.file(in.name()) + ": tensor '" + in.name()
                        + "' must be one positive finite value, not " + java.util.Arrays.toString(s));
            }
            acts = Fp8Activations.staticScale(s[0]);
        }
        return new Fp8Weights(weight.name(), rows, cols, data, scales, acts);
    }

    /**
     * The index of the first E4M3 NaN byte ({@code 0x7f} or {@code 0xff}), or -1: eight bytes at a time, a
     * byte being one exactly when its low seven bits are all ones.
     */
    private static long firstNaN(MemorySegment data) {
        long n = data.byteSize();
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            long v = data.get(ValueLayout.JAVA_LONG_UNALIGNED, i) & 0x7f7f7f7f7f7f7f7fL;
            if (((v + 0x0101010101010101L) & 0x8080808080808080L) != 0) {
                break;
            }
        }
        for (; i < n; i++) {
            if (Fp8.isE4m3NaN(data.get(ValueLayout.JAVA_BYTE, i))) {
                return i;
            }
        }
        return -1;
    }
}
