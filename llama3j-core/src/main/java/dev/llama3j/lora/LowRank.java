package dev.llama3j.lora;

import dev.llama3j.gguf.RotaryPermutation;

/**
 * One projection's LoRA pair as fp32, row-major: {@code a} is {@code lora_A} ({@code rank × in}),
 * {@code b} is {@code lora_B} ({@code out × rank}); the update of the weight is {@code scale · b · a}.
 */
public record LowRank(float[] a, float[] b, int rank, int in, int out) {

    /**
     * The same pair with {@code b}'s rows in GGUF order (Q and K of a GGUF base keep llama.cpp's row
     * permutation, see {@link RotaryPermutation}); {@code a} is shared.
     */
    public LowRank withGgufRows(int heads) {
        return new LowRank(a, RotaryPermutation.hfToGguf(b, out, rank, heads), rank, in, out);
    }

    /** {@code row += scale · b[o] · a}: one row of the update added to a weight row. */
    public void addToRow(int o, float scale, float[] row, int rowOff) {
        for (int j = 0; j < rank; j++) {
            float c = scale * b[o * rank + j];
            if (c == 0f) {
                continue;
            }
            int aOff = j * in;
            for (int k = 0; k < in; k++) {
                row[rowOff + k] += c * a[aOff + k];
            }
        }
    }
}
