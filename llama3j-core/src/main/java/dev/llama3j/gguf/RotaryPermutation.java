package dev.llama3j.gguf;

import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The row order of Q and K projections in GGUF files. Hugging Face's Llama rotates dimension {@code i}
 * of a head with dimension {@code i + headDim/2} ({@code rotate_half}); llama.cpp rotates neighbours
 * {@code 2i} and {@code 2i+1}. So {@code convert_hf_to_gguf.py} reorders the rows of {@code q_proj}
 * (with {@code n_head} heads) and {@code k_proj} (with {@code n_head_kv} heads) per head:
 * <pre>
 *   permute(w, n_head, n_head_kv) = w.reshape(n, 2, rows/n/2, cols).swapaxes(1, 2).reshape(rows, cols)
 * </pre>
 * with {@code n = n_head_kv} when it differs from {@code n_head}. Within a head of {@code headDim} rows
 * that is: GGUF row {@code 2i + s} holds Hugging Face row {@code s*headDim/2 + i} (s in 0..1).
 *
 * <p>Rows move whole, so the permutation applies to quantized rows as well as to floats. Writing a GGUF
 * uses {@link #hfToGguf}; reading one into Hugging Face order uses {@link #ggufToHf}.
 */
public final class RotaryPermutation {
    private RotaryPermutation() {}

    /** The GGUF row that holds Hugging Face row {@code hfRow}. */
    public static int hfToGgufRow(int hfRow, int headDim) {
        int half = headDim / 2;
        int head = hfRow / headDim;
        int within = hfRow % headDim;
        return head * headDim + 2 * (within % half) + within / half;
    }

    /** The Hugging Face row that GGUF row {@code ggufRow} holds. */
    public static int ggufToHfRow(int ggufRow, int headDim) {
        int head = ggufRow / headDim;
        int within = ggufRow % headDim;
        return head * headDim + (within % 2) * (headDim / 2) + within / 2;
    }

    /** Reorders the rows of a Hugging Face projection ({@code rows × cols} floats) into GGUF order. */
    public static float[] hfToGguf(float[] w, int rows, int cols, int heads) {
        int headDim = headDim(rows, heads);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(w, r * cols, out, hfToGgufRow(r, headDim) * cols, cols);
        }
        return out;
    }

    /** Reorders the rows of a GGUF projection ({@code rows × cols} floats) into Hugging Face order. */
    public static float[] ggufToHf(float[] w, int rows, int cols, int heads) {
        int headDim = headDim(rows, heads);
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(w, r * cols, out, ggufToHfRow(r, headDim) * cols, cols);
        }
        return out;
    }

    /** Copies rows of {@code rowBytes} each from Hugging Face order in {@code src} to GGUF order in {@code dst}. */
    public static void hfToGguf(MemorySegment src, MemorySegment dst, int rows, long rowBytes, int heads) {
        int headDim = headDim(rows, heads);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src, r * rowBytes, dst, hfToGgufRow(r, headDim) * rowBytes, rowBytes);
        }
    }

    /** Copies rows of {@code rowBytes} each from GGUF order in {@code src} to Hugging Face order in {@code dst}. */
    public static void ggufToHf(MemorySegment src, MemorySegment dst, int rows, long rowBytes, int heads) {
        int headDim = headDim(rows, heads);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src, r * rowBytes, dst, ggufToHfRow(r, headDim) * rowBytes, rowBytes);
        }
    }

    /**
     * A copy of a GGUF Q or K matrix (any storage type) with its rows in Hugging Face order, in memory
     * from {@code arena}.
     */
    public static WeightMatrix ggufToHf(WeightMatrix m, int heads, Arena arena) {
        long rowBytes = m.rowBytes();
        MemorySegment dst = arena.allocate(rowBytes * m.rows(), 64);
        ggufToHf(m.data(), dst, m.rows(), rowBytes, heads);
        return WeightMatrix.of(m.name(), m.type(), m.rows(), m.cols(), dst);
    }

    private static int headDim(int rows, int heads) {
        if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows do not split into " + heads
                    + " heads of an even number of rows");
        }
        return rows / heads;
    }
}
