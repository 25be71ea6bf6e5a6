package dev.llama3j.sampling;

/** {@code log Σ exp(a_i)} of a row of logits, stable (the maximum taken out first), summed in double. */
public final class LogSumExp {
    private LogSumExp() {}

    public static double of(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(a[off + i] - max);
        }
        return max + Math.log(sum);
    }
}
