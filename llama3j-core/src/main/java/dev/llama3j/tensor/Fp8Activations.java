package dev.llama3j.tensor;

/**
 * What an {@link Fp8Matrix} does with its input vectors. FP8 checkpoints differ here: compressed-tensors
 * {@code float-quantized} with {@code input_activations.dynamic: true} and fbgemm FP8 quantize each
 * token's activations to E4M3 at run time with a scale from the token's largest magnitude (fbgemm caps
 * that magnitude at {@code activation_scale_ub}); a static {@code input_scale} quantizes with one stored
 * scale; weight-only checkpoints keep the activations as they are.
 *
 * @param kind which of the three
 * @param value the upper bound of the per-token largest magnitude (dynamic; +infinity for none), or
 *     the stored input scale (static); unused for weight-only
 */
public record Fp8Activations(Kind kind, float value) {
    public enum Kind {
        /** Activations stay in fp32; weights are exact E4M3 values times their scale. */
        WEIGHT_ONLY,
        /** Per token: scale = min(max|x|, bound) / 448, x quantized to E4M3 with it. */
        DYNAMIC_PER_TOKEN,
        /** One stored scale: x / scale quantized to E4M3. */
        STATIC
    }

    public Fp8Activations {
        if (kind == Kind.STATIC && !(value > 0 && Float.isFinite(value))) {
            throw new IllegalArgumentException("FP8 static input scale must be positive and finite, got " + value);
        }
        if (kind == Kind.DYNAMIC_PER_TOKEN && !(value > 0)) {
            throw new IllegalArgumentException("FP8 activation scale upper bound must be positive, got " + value);
        }
    }

    /** Weight-only: the activations are not quantized. */
    public static Fp8Activations none() {
        return new Fp8Activations(Kind.WEIGHT_ONLY, 0f);
    }

    /**
     * Per-token dynamic quantization, the largest magnitude capped at {@code upperBound} (fbgemm's
     * {@code activation_scale_ub}, 1200 in Meta's checkpoints; +infinity for compressed-tensors).
     */
    public static Fp8Activations dynamicPerToken(float upperBound) {
        return new Fp8Activations(Kind.DYNAMIC_PER_TOKEN, upperBound);
    }

    /** Static quantization with the checkpoint's {@code input_scale}. */
    public static Fp8Activations staticScale(float inputScale) {
        return new Fp8Activations(Kind.STATIC, inputScale);
    }
}
