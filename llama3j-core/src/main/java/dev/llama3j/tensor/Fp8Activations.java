package dev.llama3j.tensor;

/**
 * What an {@link Fp8Matrix} does with its input vectors. FP8 checkpoints differ here: compressed-tensors
 * {@code float-quantized} with {@code input_activations.dynamic: true} and fbgemm FP8 quantize each
 * token's activations to E4M3 at run time with a scale from the token's largest magnitude (fbgemm caps
 * that magnitude at {@code activation_scale_ub}); a static {@code input_scale} quantizes with one stored
 * scale; weight-only checkpoints keep the activations as they are.
 *
 * <p>Dynamic, per token, both formats' sources compute {@code s = max(min(max|x|, bound) / 448, minScale)}
 * and quantize {@code x / s} (clamped to ±448, rounded to nearest even); they differ only in the bound
 * and the floor: FBGEMM's {@code quantize_fp8_per_row} ({@code gen_ai/src/quantize/quantize.cu}) caps at
 * {@code activation_scale_ub} and floors at {@code 1 / (448 · 512)}; compressed-tensors'
 * {@code calculate_qparams} has no cap and floors at float32's epsilon.
 *
 * @param kind which of the three
 * @param value the upper bound of the per-token largest magnitude (dynamic; +infinity for none), or
 *     the stored input scale (static); unused for weight-only
 * @param minScale the smallest per-token scale (dynamic); unused otherwise
 */
public record Fp8Activations(Kind kind, float value, float minScale) {
    public enum Kind {
        /** Activations stay in fp32; weights are exact E4M3 values times their scale. */
        WEIGHT_ONLY,
        /** Per token: scale = max(min(max|x|, bound) / 448, minScale), x / scale quantized to E4M3. */
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
        if (kind == Kind.DYNAMIC_PER_TOKEN && !(minScale > 0 && Float.isFinite(minScale))) {
            throw new IllegalArgumentException("FP8 activation minimum scale must be positive and finite, got " + minScale);
        }
    }

    /** Weight-only: the activations are not quantized. */
    public static Fp8Activations none() {
        return new Fp8Activations(Kind.WEIGHT_ONLY, 0f, 0f);
    }

    /** Per-token dynamic quantization, the largest magnitude capped at {@code upperBound}, the scale at least {@code minScale}. */
    public static Fp8Activations dynamicPerToken(float upperBound, float minScale) {
        return new Fp8Activations(Kind.DYNAMIC_PER_TOKEN, upperBound, minScale);
    }

    /** fbgemm_fp8: capped at {@code activation_scale_ub} (1200 in Meta's checkpoints), scale at least 1 / (448 · 512). */
    public static Fp8Activations fbgemm(float activationScaleUb) {
        return dynamicPerToken(activationScaleUb, 1f / (Fp8.E4M3_MAX * 512f));
    }

    /** compressed-tensors' dynamic per-token inputs: no cap, scale at least float32's epsilon (2^-23). */
    public static Fp8Activations compressedTensorsDynamic() {
        return dynamicPerToken(Float.POSITIVE_INFINITY, Math.ulp(1f));
    }

    /** Static quantization with the checkpoint's {@code input_scale}. */
    public static Fp8Activations staticScale(float inputScale) {
        return new Fp8Activations(Kind.STATIC, inputScale, 0f);
    }
}
