package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import java.util.List;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (Loshchilov &amp; Hutter, decoupled weight decay): per
 * step {@code t} and value {@code p} with gradient {@code g},
 * <pre>
 *   p  = p · (1 − lr·wd)
 *   m  = β1·m + (1 − β1)·g
 *   v  = β2·v + (1 − β2)·g²
 *   p  = p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * </pre>
 * Moments are fp32 and start at zero; scalars are computed in double and applied in fp32, as torch
 * applies Python floats.
 */
public final class AdamW {
    private final List<TrainableTensor> params;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float[][] m;
    private final float[][] v;
    private long step;

    /** torch's defaults for everything but the learning rate: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<TrainableTensor> params) {
        this(params, 0.9f, 0.999f, 1e-8f, 0.01f);
    }

    public AdamW(List<TrainableTensor> params, float beta1, float beta2, float eps, float weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new InvalidRequestException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2, "betas");
        }
        if (!(eps >= 0) || !(weightDecay >= 0)) {
            throw new InvalidRequestException("AdamW eps and weight decay must be non-negative, got " + eps + ", "
                    + weightDecay, "weight_decay");
        }
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        m = new float[this.params.size()][];
        v = new float[this.params.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new float[this.params.get(i).size()];
            v[i] = new float[this.params.get(i).size()];
        }
    }

    /** Applies one update with learning rate {@code lr} from the tensors' current gradients. */
    public void step(double lr) {
        step++;
        float decay = (float) (1 - lr * weightDecay);
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float oneMinusB1 = (float) (1 - (double) beta1);
        float oneMinusB2 = (float) (1 - (double) beta2);
        for (int i = 0; i < params.size(); i++) {
            float[] p = params.get(i).values();
            float[] g = params.get(i).gradients();
            float[] mi = m[i];
            float[] vi = v[i];
            for (int k = 0; k < p.length; k++) {
                float gk = g[k];
                float pk = p[k] * decay;
                float mk = mi[k] * beta1 + gk * oneMinusB1;
                float vk = vi[k] * beta2 + oneMinusB2 * gk * gk;
                mi[k] = mk;
                vi[k] = vk;
                float denom = (float) Math.sqrt(vk) / bc2Sqrt + eps;
                p[k] = pk - stepSize * (mk / denom);
            }
        }
    }

    /** Updates taken so far. */
    public long steps() {
        return step;
    }

    /** The first moments, one array per tensor in the order given (live: a checkpoint copies them). */
    public float[][] firstMoments() {
        return m;
    }

    /** The second moments, like {@link #firstMoments()}. */
    public float[][] secondMoments() {
        return v;
    }

    /** Restores a checkpoint: the step count and both moments (same tensor order and sizes). */
    public void restore(long steps, float[][] first, float[][] second) {
        if (steps < 0 || first.length != m.length || second.length != v.length) {
            throw new InvalidRequestException("optimizer state for " + first.length + " tensors, expected "
                    + m.length, "resume");
        }
        for (int i = 0; i < m.length; i++) {
            if (first[i].length != m[i].length || second[i].length != v[i].length) {
                throw new InvalidRequestException("optimizer state of '" + params.get(i).name() + "': "
                        + first[i].length + " values, expected " + m[i].length, "resume");
            }
            System.arraycopy(first[i], 0, m[i], 0, m[i].length);
            System.arraycopy(second[i], 0, v[i], 0, v[i].length);
        }
        step = steps;
    }
}
