package dev.llama3j.quant;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.Int4Codes;
import java.lang.foreign.MemorySegment;

/**
 * AutoGPTQ's layout ({@code qlinear_cuda_old.py}): {@code qweight} int32 {@code [in/8, out]} packed along
 * the input (input {@code 8r + j} at bits {@code 4j} of row {@code r}), {@code qzeros} int32
 * {@code [groups, out/8]} packed along the output in order, {@code scales} fp16 {@code [groups, out]},
 * {@code g_idx} int32 {@code [in]} (the group of each input; out of order with {@code desc_act}).
 * {@code W[o, i] = (q[i, o] - z[g_idx[i], o]) * s[g_idx[i], o]}; checkpoint formats before
 * {@code gptq_v2} store each zero minus one (in 4 bits: add one back, modulo 16).
 *
 * <p>With {@code desc_act} the input columns are stored sorted by group, so that every group is a run
 * of {@code group_size} columns again ({@link Int4Weights#inputOrder}).
 */
final class GptqUnpacker {
    private GptqUnpacker() {}

    static Int4Weights unpack(QuantizedCheckpoint t, String module, int rows, int cols) {
        SafetensorsTensor qweight = t.part(module, ".qweight");
        SafetensorsTensor qzeros = t.part(module, ".qzeros");
        SafetensorsTensor scales = t.part(module, ".scales");
        String file = t.file(module + ".qweight");
        if (cols % 8 != 0 || rows % 8 != 0) {
            throw new UnsupportedModelException(file + ": tensor '" + module + ".qweight' is " + rows + "x" + cols
                    + "; GPTQ packs 8 values per word, so both must be multiples of 8");
        }
        int g = t.config().groupFor(file, module + ".qweight", cols);
        int groups = cols / g;
        t.expect(qweight, "I32", cols / 8, rows);
        t.expect(qzeros, "I32", groups, rows / 8);
        t.expect(scales, "F16|BF16|F32", groups, rows);
        int[] gIdx = groupOfInput(t, module, cols, g, groups);
        int[] order = storedOrder(t.file(module + ".g_idx"), module, gIdx, groups, g);
        int[] z = QuantizedCheckpoint.ints(qzeros);
        float[] s = QuantizedCheckpoint.floats(scales);
        int add = t.config().zerosMinusOne() ? 1 : 0;
        float[] scale = new float[rows * groups];
        float[] zero = new float[rows * groups];
        int words = rows / 8;
        for (int gi = 0; gi < groups; gi++) {
            for (int o = 0; o < rows; o++) {
                int nibble = (z[gi * words + o / 8] >>> (4 * (o % 8))) & 15;
                zero[o * groups + gi] = (nibble + add) & 15;
                scale[o * groups + gi] = s[gi * rows + o];
            }
        }
        return new Int4Weights(module + ".weight", rows, cols, g, new Codes(qweight.data(), rows, order), scale, zero,
                order);
    }

    /** {@code g_idx}, checked to name existing groups; {@code i / g} when the checkpoint has none. */
    private static int[] groupOfInput(QuantizedCheckpoint t, String module, int cols, int g, int groups) {
        int[] gIdx = new int[cols];
        if (!t.hasPart(module, ".g_idx")) {
            for (int i = 0; i < cols; i++) {
                gIdx[i] = i / g;
            }
            return gIdx;
        }
        SafetensorsTensor tensor = t.part(module, ".g_idx");
        t.expect(tensor, "I32", cols);
        gIdx = QuantizedCheckpoint.ints(tensor);
        for (int i = 0; i < cols; i++) {
            if (gIdx[i] < 0 || gIdx[i] >= groups) {
                throw new ModelFormatException(t.file(module + ".g_idx") + ": tensor '" + module + ".g_idx' gives input "
                        + i + " group " + gIdx[i] + ", outside 0.." + (groups - 1) + " (" + groups + " groups of " + g
                        + ")");
            }
        }
        return gIdx;
    }

    /**
     * The inputs sorted by group (stable), or null when that is the identity; each group must have
     * exactly {@code g} members, as GPTQ's act-order permutation gives.
     */
    private static int[] storedOrder(String file, String module, int[] gIdx, int groups, int g) {
        int[] count = new int[groups];
        for (int x : gIdx) {
            count[x]++;
        }
        for (int gi = 0; gi < groups; gi++) {
            if (count[gi] != g) {
                throw new ModelFormatException(file + ": tensor '" + module + ".g_idx' puts " + count[gi]
                        + " inputs in group " + gi + "; each group must have group_size = " + g);
            }
        }
        int[] next = new int[groups];
        for (int gi = 0; gi < groups; gi++) {
            next[gi] = gi * g;
        }
        int[] order = new int[gIdx.length];
        boolean identity = true;
        for (int i = 0; i < gIdx.length; i++) {
            int c = next[gIdx[i]]++;
            order[c] = i;
            identity &= c == i;
        }
        return identity ? null : order;
    }

    /**
     * The codes of {@code qweight}, read as the matrix is packed: stored column {@code c} is input
     * {@code order[c]} (or {@code c}), whose nibble is {@code 4·(i mod 8)} of word row {@code i/8}.
     */
    private record Codes(MemorySegment qweight, int rows, int[] order) implements Int4Codes {
        @Override
        public int code(int row, int col) {
            int i = order == null ? col : order[col];
            return (QuantizedCheckpoint.intAt(qweight, (long) (i / 8) * rows + row) >>> (4 * (i % 8))) & 15;
        }

        /**
         * The panel's words in one contiguous run per word row, then row by row: a row's inputs in model
         * order, gathered into stored order when {@code desc_act} permutes them (every write in sequence).
         */
        @Override
        public void rows(int r0, int count, int cols, byte[] out) {
            int wordRows = cols / 8;
            int[] words = new int[wordRows * count];
            int[] run = new int[count];
            for (int w = 0; w < wordRows; w++) {
                QuantizedCheckpoint.ints(qweight, (long) w * rows + r0, run, count);
                for (int lane = 0; lane < count; lane++) {
                    words[lane * wordRows + w] = run[lane];
                }
            }
            byte[] inputs = order == null ? null : new byte[cols];
            for (int lane = 0; lane < count; lane++) {
                byte[] dst = order == null ? out : inputs;
                int at = order == null ? lane * cols : 0;
                for (int w = 0; w < wordRows; w++) {
                    int word = words[lane * wordRows + w];
                    for (int j = 0; j < 8; j++) {
                        dst[at + 8 * w + j] = (byte) ((word >>> (4 * j)) & 15);
                    }
                }
                if (order != null) {
                    for (int c = 0; c < cols; c++) {
                        out[lane * cols + c] = inputs[order[c]];
                    }
                }
            }
        }
    }
}
