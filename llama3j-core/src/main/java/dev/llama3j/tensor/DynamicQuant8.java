package dev.llama3j.tensor;

/**
 * bitsandbytes' blockwise 8-bit quantization with its signed dynamic map ({@code create_dynamic_map()}
 * and {@code quantize_blockwise}): what QLoRA's double quantization ({@code compress_statistics=True})
 * stores NF4's block scales in, in blocks of 256. The map has 256 fp32 values: for each decimal
 * exponent {@code e = -6 .. 0}, the midpoints of {@code 2^(e+6)} equal steps of [0.1, 1] times
 * {@code 10^e}, with both signs, plus 0 and 1. A value is divided by its block's absmax and rounded
 * to the nearest map entry by {@code dQuantize}'s binary search.
 */
public final class DynamicQuant8 {
    public static final int BLOCK = 256;
    private static final float[] MAP = dynamicMap();

    private DynamicQuant8() {}

    /** Entry {@code q} (0..255) of the map. */
    public static float code(int q) {
        return MAP[q & 0xFF];
    }

    /**
     * {@code create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)}, its
     * {@code torch.linspace} as torch's scalar CPU path computes it in fp32 (first half from the start,
     * second half back from the end).
     */
    static float[] dynamicMap() {
        float[] data = new float[256];
        int n = 0;
        for (int i = 0; i < 7; i++) {
            int steps = (1 << i) + 1;
            float start = 0.1f;
            float end = 1.0f;
            float step = (end - start) / (steps - 1);
            float[] b = new float[steps];
            for (int k = 0; k < steps; k++) {
                b[k] = k < steps / 2 ? start + step * k : end - step * (steps - k - 1);
            }
            float scale = (float) Math.pow(10, -6 + i);
            for (int k = 0; k + 1 < steps; k++) {
                data[n++] = scale * ((b[k] + b[k + 1]) / 2.0f);
            }
            for (int k = 0; k + 1 < steps; k++) {
                data[n++] = -scale * ((b[k] + b[k + 1]) / 2.0f);
            }
        }
        data[n++] = 0f;
        data[n++] = 1.0f;
        java.util.Arrays.sort(data);
        return data;
    }

    /** {@code dQuantize<0>}: the map entry nearest {@code x}, found as bitsandbytes' kernel finds it. */
    public static int quantize(float x) {
        int pivot = 127;
        int upperPivot = 255;
        int lowerPivot = 0;
        float lower = -1.0f;
        float upper = 1.0f;
        float val = MAP[pivot];
        for (int i = 64; i > 0; i >>= 1) {
            if (x > val) {
                lowerPivot = pivot;
                lower = val;
                pivot += i;
            } else {
                upperPivot = pivot;
                upper = val;
                pivot -= i;
            }
            val = MAP[pivot];
        }
        if (upperPivot == 255) {
            upper = MAP[upperPivot];
        }
        if (lowerPivot == 0) {
            lower = MAP[lowerPivot];
        }
        if (x > val) {
            return x > (upper + val) * 0.5f ? upperPivot : pivot;
        }
        return x < (lower + val) * 0.5f ? lowerPivot : pivot;
    }

    /**
     * Quantizes {@code values} in blocks of 256 (the last may be shorter): codes into {@code codes},
     * one absmax per block into {@code absmax}.
     */
    public static void quantize(float[] values, byte[] codes, float[] absmax) {
        for (int s = 0, b = 0; s < values.length; s += BLOCK, b++) {
            int end = Math.min(values.length, s + BLOCK);
            float max = 0f;
            for (int i = s; i < end; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            absmax[b] = max;
            float inv = 1.0f / max;
            for (int i = s; i < end; i++) {
                codes[i] = (byte) quantize(values[i] * inv);
            }
        }
    }
}
