package dev.llama3j.tensor;

import java.util.Arrays;

/**
 * The weights of an {@link Fp8Matrix} whose E4M3 code is subnormal (exponent bits 0, mantissa not 0),
 * kept aside per panel of {@link Gemm#G} rows while the panel stores them as zero.
 *
 * <p>Why: the matrix's kernels turn a byte into an fp32 by moving its bits, which makes a subnormal
 * code an fp32 subnormal, and an FMA with a subnormal operand takes a microcode assist on Intel cores
 * (Java never sets flush-to-zero). A 1B-shaped checkpoint with 7% such codes generated 1.19 tok/s,
 * the same with them made normal 15.0. Real checkpoints have few (a weight under {@code 2^-6/448} of
 * the largest its scale covers), so adding them back one at a time costs little; a matrix made of
 * them costs 4 bytes for each, and a scalar step per token.
 *
 * <p>An entry is {@code column << 9 | row << 4 | sign << 3 | mantissa}: columns up to 2^23, the row
 * within its panel, and the code's value {@code ±mantissa · 2^-9}.
 */
final class Fp8Subnormals {
    private static final int[] NONE = new int[0];
    /** Columns an entry can name. */
    static final int MAX_COLS = 1 << 23;

    /** Panel {@code p}'s entries are {@code entries[start[p] .. start[p+1])}. */
    private final int[] start;
    private final int[] entries;

    private Fp8Subnormals(int[] start, int[] entries) {
        this.start = start;
        this.entries = entries;
    }

    /** Joins the panels' entries, as {@link #extract} returned them (in panel order). */
    static Fp8Subnormals of(int[][] perPanel) {
        int[] start = new int[perPanel.length + 1];
        for (int p = 0; p < perPanel.length; p++) {
            start[p + 1] = start[p] + perPanel[p].length;
        }
        int[] entries = new int[start[perPanel.length]];
        for (int p = 0; p < perPanel.length; p++) {
            System.arraycopy(perPanel[p], 0, entries, start[p], perPanel[p].length);
        }
        return new Fp8Subnormals(start, entries);
    }

    /** Whether an E4M3 code is subnormal. */
    static boolean isSubnormal(byte code) {
        return (code & 0x78) == 0 && (code & 7) != 0;
    }

    /**
     * Zeroes the subnormal codes among the {@code rows × cols} row-major bytes of one panel and
     * returns their entries (an empty array when there are none, the usual case).
     */
    static int[] extract(byte[] panel, int rows, int cols) {
        int count = rows * cols;
        int[] found = NONE;
        int n = 0;
        int i = 0;
        for (; i < count; i += 8) {
            if (i + 8 <= count) {
                // Per byte, t = code & 0x7f: t + 0x7f sets bit 7 when t >= 1, t + 0x78 when t >= 8 (no
                // carries between bytes), so a subnormal code leaves bit 7 in the first and not the second.
                long t = LittleEndian.longAt(panel, i) & 0x7f7f7f7f7f7f7f7fL;
                if (((t + 0x7f7f7f7f7f7f7f7fL) & ~(t + 0x7878787878787878L) & 0x8080808080808080L) == 0) {
                    continue;
                }
            }
            for (int j = i; j < Math.min(i + 8, count); j++) {
                byte b = panel[j];
                if (isSubnormal(b)) {
                    if (n == found.length) {
                        found = Arrays.copyOf(found, Math.max(16, 2 * n));
                    }
                    found[n++] = (j % cols) << 9 | (j / cols) << 4 | (b >>> 4 & 8) | (b & 7);
                    panel[j] = 0;
                }
            }
        }
        return n == found.length ? found : Arrays.copyOf(found, n);
    }

    /** The value of an entry's code, {@code ±mantissa · 2^-9}. */
    private static float value(int e) {
        int m = e & 7;
        return ((e & 8) != 0 ? -m : m) * 0x1p-9f;
    }

    private static int row(int e) {
        return e >> 4 & 31;
    }

    private static int column(int e) {
        return e >>> 9;
    }

    /**
     * Adds panel {@code p}'s subnormal weights times one input to its outputs:
     * {@code out[outOff + r] += value · x[xOff + k] · first · scale · rowScale[p·G + r]}, multiplied in
     * that order (the caller splits its factor in two so that no partial product leaves fp32's range).
     */
    void addProducts(int p, float[] x, int xOff, float first, float scale, float[] rowScale, float[] out,
            int outOff) {
        for (int i = start[p]; i < start[p + 1]; i++) {
            int e = entries[i];
            int r = row(e);
            out[outOff + r] += value(e) * x[xOff + column(e)] * first * scale * rowScale[p * Gemm.G + r];
        }
    }

    /** Writes panel {@code p}'s subnormal weights' values into a column-major panel {@code [po + k·G + r]}. */
    void putInPanel(int p, float[] panel, int po) {
        for (int i = start[p]; i < start[p + 1]; i++) {
            int e = entries[i];
            panel[po + column(e) * Gemm.G + row(e)] = value(e);
        }
    }

    /** Writes the subnormal weights of row {@code r} of panel {@code p}, times {@code scale}, into {@code out[outOff + k]}. */
    void putInRow(int p, int r, float scale, float[] out, int outOff) {
        for (int i = start[p]; i < start[p + 1]; i++) {
            int e = entries[i];
            if (row(e) == r) {
                out[outOff + column(e)] = value(e) * scale;
            }
        }
    }

    /** How many weights are kept here. */
    int count() {
        return entries.length;
    }
}
