package dev.llama3j.quant;

import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.Int4Codes;
import java.lang.foreign.MemorySegment;

/**
 * AutoAWQ's GEMM layout ({@code awq/modules/linear/gemm.py}): {@code qweight} int32 {@code [in, out/8]},
 * {@code qzeros} int32 {@code [in/g, out/8]}, {@code scales} fp16 {@code [in/g, out]}. The eight nibbles
 * of a word (bits 0, 4, …, 28) hold output columns 0 2 4 6 1 3 5 7 of its group of eight; the zeros are
 * packed the same way. {@code W[o, i] = (q[i, o] - z[i/g, o]) * s[i/g, o]}.
 */
final class AwqUnpacker {
    /** Output column (within a word's eight) of nibble k. */
    private static final int[] NIBBLE_TO_OUTPUT = {0, 2, 4, 6, 1, 3, 5, 7};
    /** Nibble of a word that holds output column j of its eight. */
    private static final int[] OUTPUT_TO_NIBBLE = {0, 4, 1, 5, 2, 6, 3, 7};

    private AwqUnpacker() {}

    static Int4Weights unpack(QuantizedCheckpoint t, String module, int rows, int cols) {
        SafetensorsTensor qweight = t.part(module, ".qweight");
        SafetensorsTensor qzeros = t.part(module, ".qzeros");
        SafetensorsTensor scales = t.part(module, ".scales");
        if (rows % 8 != 0) {
            throw new UnsupportedModelException(t.file(module + ".qweight") + ": tensor '"
                    + module + ".qweight' packs " + rows + " outputs, not a multiple of 8");
        }
        int g = t.config().groupFor(t.file(module + ".qweight"), module + ".qweight", cols);
        int groups = cols / g;
        t.expect(qweight, "I32", cols, rows / 8);
        t.expect(qzeros, "I32", groups, rows / 8);
        t.expect(scales, "F16|BF16|F32", groups, rows);
        int[] z = QuantizedCheckpoint.ints(qzeros);
        float[] s = QuantizedCheckpoint.floats(scales);
        float[] scale = new float[rows * groups];
        float[] zero = new float[rows * groups];
        int words = rows / 8;
        for (int gi = 0; gi < groups; gi++) {
            for (int w = 0; w < words; w++) {
                int word = z[gi * words + w];
                for (int k = 0; k < 8; k++) {
                    int o = w * 8 + NIBBLE_TO_OUTPUT[k];
                    zero[o * groups + gi] = (word >>> (4 * k)) & 15;
                    scale[o * groups + gi] = s[gi * rows + o];
                }
            }
        }
        return new Int4Weights(module + ".weight", rows, cols, g, new Codes(qweight.data(), words), scale, zero, null);
    }

    /** The codes of {@code qweight} ({@code [in, out/8]}), read as the matrix is packed. */
    private record Codes(MemorySegment qweight, int words) implements Int4Codes {
        @Override
        public int code(int row, int col) {
            int word = QuantizedCheckpoint.intAt(qweight, (long) col * words + row / 8);
            return (word >>> (4 * OUTPUT_TO_NIBBLE[row % 8])) & 15;
        }

        /** Per input, the run of words that covers the rows ({@code r0} and {@code count} are multiples of 8). */
        @Override
        public void rows(int r0, int count, int cols, byte[] out) {
            int[] q = new int[count / 8];
            for (int i = 0; i < cols; i++) {
                QuantizedCheckpoint.ints(qweight, (long) i * words + r0 / 8, q, q.length);
                for (int w = 0; w < q.length; w++) {
                    for (int k = 0; k < 8; k++) {
                        out[(w * 8 + NIBBLE_TO_OUTPUT[k]) * cols + i] = (byte) ((q[w] >>> (4 * k)) & 15);
                    }
                }
            }
        }
    }
}
