package dev.llama3j.tensor;

/**
 * The 4-bit codes ({@code 0..15}) of a {@code rows × cols} INT4 matrix at its stored columns, wherever
 * they live: an array, or the packed words of a mapped checkpoint read on demand. {@link Int4GroupMatrix}
 * takes them a panel of rows at a time, so that a model's worth of codes (a byte each) never has to
 * exist at once.
 */
public interface Int4Codes {
    /** The code at output {@code row}, stored column {@code col}. */
    int code(int row, int col);

    /**
     * Rows {@code [r0, r0+count)} into {@code out[(r - r0)*cols + c]}; safe to call from several threads
     * for different rows. Sources override it to read their packed words in bulk.
     */
    default void rows(int r0, int count, int cols, byte[] out) {
        for (int r = 0; r < count; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = (byte) code(r0 + r, c);
            }
        }
    }

    /** Codes held in an array, {@code codes[r*cols + c]}. */
    static Int4Codes of(byte[] codes, int cols) {
        return new Int4Codes() {
            @Override
            public int code(int row, int col) {
                return codes[row * cols + col];
            }

            @Override
            public void rows(int r0, int count, int width, byte[] out) {
                System.arraycopy(codes, r0 * cols, out, 0, count * cols);
            }
        };
    }
}
