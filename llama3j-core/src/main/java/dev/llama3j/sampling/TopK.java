package dev.llama3j.sampling;

import java.util.Arrays;

/** The indices of the largest values of an array slice, without sorting the whole vocabulary. */
public final class TopK {
    private TopK() {}

    /**
     * Indices (relative to {@code off}) of the {@code k} largest of {@code a[off .. off+len)}, largest
     * first; equal values keep the lower index first.
     */
    public static int[] indices(float[] a, int off, int len, int k) {
        int[] best = new int[k];
        Arrays.fill(best, -1);
        for (int i = 0; i < len; i++) {
            float v = a[off + i];
            if (best[k - 1] >= 0 && v <= a[off + best[k - 1]]) {
                continue;
            }
            int j = k - 1;
            while (j > 0 && (best[j - 1] < 0 || v > a[off + best[j - 1]])) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        return best;
    }
}
