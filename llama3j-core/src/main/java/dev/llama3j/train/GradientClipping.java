package dev.llama3j.train;

import java.util.List;

/**
 * Clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over all gradients
 * together; when it exceeds {@code maxNorm}, every gradient is scaled by {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /** The global L2 norm of the gradients. */
    public static double norm(List<TrainableTensor> params) {
        double sum = 0;
        for (TrainableTensor t : params) {
            double s = 0;
            for (float g : t.gradients()) {
                s += (double) g * g;
            }
            sum += s;
        }
        return Math.sqrt(sum);
    }

    /** Clips to {@code maxNorm} and returns the norm before clipping (what HF Trainer logs as grad_norm). */
    public static double clip(List<TrainableTensor> params, double maxNorm) {
        double norm = norm(params);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (TrainableTensor t : params) {
                float[] g = t.gradients();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= c;
                }
            }
        }
        return norm;
    }
}
