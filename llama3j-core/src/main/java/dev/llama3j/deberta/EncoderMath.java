package dev.llama3j.deberta;

/** The fp32 steps of the encoder besides the matrix products and dots: LayerNorm, exact GELU, softmax. */
final class EncoderMath {
    private EncoderMath() {}

    /** In place: {@code x = (x - mean) / sqrt(var + eps) * w + b} over {@code x[off..off+n)} (biased variance, like torch). */
    static void layerNorm(float[] x, int off, int n, float[] w, float[] b, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        double mean = sum / n;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double d = x[off + i] - mean;
            sq += d * d;
        }
        float inv = (float) (1.0 / Math.sqrt(sq / n + eps));
        float m = (float) mean;
        for (int i = 0; i < n; i++) {
            x[off + i] = (x[off + i] - m) * inv * w[i] + b[i];
        }
    }

    /** In place: the exact GELU, {@code x/2 (1 + erf(x/√2))}, as torch's default {@code gelu}. */
    static void gelu(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            double v = x[i];
            x[i] = (float) (0.5 * v * (1 + erf(v * 0.7071067811865476)));
        }
    }

    /**
     * The error function, through erfc's Chebyshev fit from Numerical Recipes ({@code erfcc}): relative
     * error of erfc below 1.2e-7 everywhere, a few float ulps of GELU, for one {@code exp} per value.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    /** In place over {@code s[off..off+n)}. */
    static void softmax(float[] s, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, s[i]);
        }
        float sum = 0;
        for (int i = off; i < off + n; i++) {
            float e = (float) Math.exp(s[i] - max);
            s[i] = e;
            sum += e;
        }
        float inv = 1 / sum;
        for (int i = off; i < off + n; i++) {
            s[i] *= inv;
        }
    }
}
