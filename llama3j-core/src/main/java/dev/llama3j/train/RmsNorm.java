package dev.llama3j.train;

/**
 * RMSNorm of one vector and its gradient: {@code y = w · x / sqrt(mean(x²) + eps)} (Hugging Face's
 * {@code LlamaRMSNorm} in fp32, the mean accumulated in double as the inference path does). The weight
 * {@code w} is frozen, so only the input gets a gradient.
 */
final class RmsNorm {
    private RmsNorm() {}

    private static float inverseRms(float[] x, int off, int size, float eps) {
        double ss = 0;
        for (int i = 0; i < size; i++) {
            float v = x[off + i];
            ss += v * v;
        }
        return (float) (1.0 / Math.sqrt((float) (ss / size) + eps));
    }

    static void forward(float[] x, int xOff, float[] w, float eps, float[] y, int yOff, int size) {
        float inv = inverseRms(x, xOff, size, eps);
        for (int i = 0; i < size; i++) {
            y[yOff + i] = w[i] * (x[xOff + i] * inv);
        }
    }

    /**
     * {@code dx += ∂L/∂x} given {@code dy = ∂L/∂y}: with {@code g = w·dy} and {@code r} the inverse RMS,
     * {@code dx = r·g − x · r³ · (g·x) / size}.
     */
    static void backward(float[] x, int xOff, float[] w, float eps, float[] dy, int dyOff, float[] dx, int dxOff,
            int size) {
        float inv = inverseRms(x, xOff, size, eps);
        double gx = 0;
        for (int i = 0; i < size; i++) {
            gx += (double) (w[i] * dy[dyOff + i]) * x[xOff + i];
        }
        float c = (float) (gx / size) * inv * inv * inv;
        for (int i = 0; i < size; i++) {
            dx[dxOff + i] += inv * (w[i] * dy[dyOff + i]) - c * x[xOff + i];
        }
    }
}
