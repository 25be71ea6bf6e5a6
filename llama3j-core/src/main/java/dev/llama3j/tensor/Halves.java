package dev.llama3j.tensor;

/**
 * The row order inside a repacked group ({@link PackedQ8Matrix}, {@link PackedQ4Matrix}): position
 * {@code 2i} holds row {@code i}, position {@code 2i+1} row {@code V+i}. One 16-bit-lane load seen as
 * 32-bit lanes then holds the first half-group's values in its low 16 bits and the second's in its
 * high 16 bits, and shifts alone separate them — no lane-changing conversions, which are slow in the
 * Vector API. The fp16 scales are stored in this order, and widened with bit moves (the Vector API
 * has no half-float conversion): the 15 magnitude bits shifted into place form an fp32 whose exponent
 * is 112 too small, which one multiplication by 2^112 fixes — exactly, subnormal halves included.
 */
final class Halves {
    private Halves() {}

    /** Position of row {@code r} of a group in the interleaved order. */
    static int position(int r) {
        int v = Gemm.V;
        return r < v ? 2 * r : 2 * (r - v) + 1;
    }
}
