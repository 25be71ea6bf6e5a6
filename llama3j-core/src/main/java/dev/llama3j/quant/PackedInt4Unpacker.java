package dev.llama3j.quant;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.Int4Codes;
import java.lang.foreign.MemorySegment;

/**
 * compressed-tensors' pack-quantized INT4 ({@code compressors/quantized_compressors/pack_quantized.py}):
 * {@code weight_packed} int32 {@code [out, in/8]} with input {@code 8w + k} of a row at bits {@code 4k}
 * of word {@code w}, each value stored as {@code q + 8} (q signed, -8..7); {@code weight_scale}
 * {@code [out, in/g]}; when asymmetric, {@code weight_zero_point} int32 {@code [out/8, in/g]} packed
 * along the output the same way (also + 8). {@code W = (q - zp) * scale}, so the stored nibbles are the
 * code and the zero (8 when symmetric).
 */
final class PackedInt4Unpacker {
    private PackedInt4Unpacker() {}

    static Int4Weights unpack(QuantizedCheckpoint t, String module, int rows, int cols) {
        SafetensorsTensor packed = t.part(module, ".weight_packed");
        SafetensorsTensor scales = t.part(module, ".weight_scale");
        String file = t.file(module + ".weight_packed");
        if (cols % 8 != 0) {
            throw new UnsupportedModelException(file + ": tensor '" + module + ".weight_packed' packs " + cols
                    + " inputs per row, not a multiple of 8");
        }
        if (t.hasPart(module, ".weight_g_idx")) {
            throw new UnsupportedModelException(file + ": tensor '" + module + ".weight_g_idx' is present;"
                    + " llama3j reads pack-quantized checkpoints without activation ordering");
        }
        int g = t.config().groupFor(file, module + ".weight_packed", cols);
        int groups = cols / g;
        t.expect(packed, "I32", rows, cols / 8);
        t.expect(scales, "F16|BF16|F32", rows, groups);
        if (t.hasPart(module, ".weight_shape")) {
            SafetensorsTensor shape = t.part(module, ".weight_shape");
            int[] s = shape.dtype().equals("I64") ? null : QuantizedCheckpoint.ints(shape);
            if (s != null && (s.length != 2 || s[0] != rows || s[1] != cols)) {
                throw new ModelFormatException(file + ": tensor '" + module + ".weight_shape' is "
                        + java.util.Arrays.toString(s) + " but config.json implies [" + rows + ", " + cols + "]");
            }
        }
        float[] scale = QuantizedCheckpoint.floats(scales); // already [out, groups]
        float[] zero = new float[rows * groups];
        if (t.hasPart(module, ".weight_zero_point")) {
            SafetensorsTensor zp = t.part(module, ".weight_zero_point");
            t.expect(zp, "I32", (rows + 7) / 8, groups);
            int[] z = QuantizedCheckpoint.ints(zp);
            for (int o = 0; o < rows; o++) {
                for (int gi = 0; gi < groups; gi++) {
                    zero[o * groups + gi] = (z[(o / 8) * groups + gi] >>> (4 * (o % 8))) & 15;
                }
            }
        } else {
            java.util.Arrays.fill(zero, 8f);
        }
        return new Int4Weights(module + ".weight", rows, cols, g, new Codes(packed.data(), cols / 8), scale, zero, null);
    }

    /** The codes of {@code weight_packed} ({@code [out, in/8]}, input {@code 8w + k} at bits {@code 4k}), read as the matrix is packed. */
    private record Codes(MemorySegment packed, int words) implements Int4Codes {
        @Override
        public int code(int row, int col) {
            return (QuantizedCheckpoint.intAt(packed, (long) row * words + col / 8) >>> (4 * (col % 8))) & 15;
        }

        /** The rows' words in one copy. */
        @Override
        public void rows(int r0, int count, int cols, byte[] out) {
            int[] q = new int[count * words];
            QuantizedCheckpoint.ints(packed, (long) r0 * words, q, q.length);
            for (int x = 0; x < q.length; x++) {
                int word = q[x];
                for (int k = 0; k < 8; k++) {
                    out[8 * x + k] = (byte) ((word >>> (4 * k)) & 15);
                }
            }
        }
    }
}
