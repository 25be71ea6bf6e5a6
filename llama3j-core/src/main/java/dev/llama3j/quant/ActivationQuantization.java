package dev.llama3j.quant;

/**
 * What an FP8 layer does with its input, as the checkpoint's config says: nothing (weight-only FP8),
 * quantize each token to FP8 at run time with its own scale ({@code max|x| / 448}, the max clamped to
 * {@code upperBound}: fbgemm's {@code activation_scale_ub}, infinite for compressed-tensors), or divide
 * by the layer's stored {@code input_scale} (static).
 *
 * @param inputScale the static scale of one layer; NaN in the config-level value and for the other kinds
 */
public record ActivationQuantization(Kind kind, float upperBound, float inputScale) {
    public enum Kind { NONE, DYNAMIC_PER_TOKEN, STATIC }

    public static ActivationQuantization none() {
        return new ActivationQuantization(Kind.NONE, Float.NaN, Float.NaN);
    }

    public static ActivationQuantization dynamicPerToken(float upperBound) {
        return new ActivationQuantization(Kind.DYNAMIC_PER_TOKEN, upperBound, Float.NaN);
    }

    /** Static activations whose scale each layer stores as {@code input_scale}. */
    public static ActivationQuantization staticScale() {
        return new ActivationQuantization(Kind.STATIC, Float.NaN, Float.NaN);
    }

    /** This scheme for one layer whose stored input scale is {@code scale}. */
    public ActivationQuantization withInputScale(float scale) {
        return new ActivationQuantization(kind, upperBound, scale);
    }
}
