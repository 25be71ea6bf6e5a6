package dev.llama3j.gguf;

/**
 * The {@code rope_freqs.weight} tensor of a Llama 3.1 GGUF: float32 {@code [headDim/2]}, one divisor per
 * rotary frequency. llama.cpp divides each frequency {@code theta^(-2i/headDim)} by its factor, which
 * is how Llama 3.1's {@code rope_type: llama3} scaling reaches a GGUF file (there are no metadata keys
 * for it).
 *
 * <p>{@code convert_hf_to_gguf.py} ({@code LlamaModel.generate_extra_tensors}) computes it with torch in
 * float32, for each {@code freq = 1 / theta^(2i/dim)}:
 * <pre>
 *   low_freq_wavelen  = old_context_len / low_freq_factor
 *   high_freq_wavelen = old_context_len / high_freq_factor
 *   wavelen = 2π / freq
 *   if wavelen &lt; high_freq_wavelen:  factor_i = 1
 *   elif wavelen &gt; low_freq_wavelen: factor_i = factor
 *   else: smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
 *         factor_i = 1 / ((1 - smooth) / factor + smooth)
 * </pre>
 * which is the reciprocal of the multiplier Hugging Face's {@code _compute_llama3_parameters} applies to
 * the same frequency. Note that the script reads {@code original_max_position_embeddings} from the top
 * level of {@code config.json}, where Llama 3.1 does not have it, so it always uses 8192 there; 8192 is
 * also the value inside Llama 3.1's {@code rope_scaling}.
 *
 * <p>This class repeats torch's float32 steps: the exponent {@code 2i/dim} in float32, the power
 * rounded to float32, {@code a / tensor} as {@code reciprocal(tensor) * a}, each operation rounded to
 * float32. The power may differ from torch's by an ulp, so a factor may too.
 */
public final class Llama3RopeFactors {
    private Llama3RopeFactors() {}

    /**
     * The {@code headDim/2} factors for base {@code theta} and Llama 3 scaling parameters ({@code factor}
     * 8, {@code lowFreqFactor} 1, {@code highFreqFactor} 4, {@code originalMaxPositionEmbeddings} 8192 for
     * Llama 3.1).
     */
    public static float[] compute(double theta, int headDim, double factor, double lowFreqFactor,
            double highFreqFactor, int originalMaxPositionEmbeddings) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head dimension must be even and positive, got " + headDim);
        }
        if (!(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException("high_freq_factor " + highFreqFactor
                    + " must exceed low_freq_factor " + lowFreqFactor);
        }
        float base = (float) theta;
        float fFactor = (float) factor;
        float lowFactor = (float) lowFreqFactor;
        float oldContext = originalMaxPositionEmbeddings;
        // Python computes these two in double; torch then compares float32 tensors with them as float32.
        float lowFreqWavelen = (float) (originalMaxPositionEmbeddings / lowFreqFactor);
        float highFreqWavelen = (float) (originalMaxPositionEmbeddings / highFreqFactor);
        float factorSpan = (float) (highFreqFactor - lowFreqFactor);
        float twoPi = (float) (2 * Math.PI);

        float[] out = new float[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            float power = (float) Math.pow(base, exponent);
            float freq = 1.0f / power;
            float wavelen = (1.0f / freq) * twoPi;
            if (wavelen < highFreqWavelen) {
                out[i] = 1.0f;
            } else if (wavelen > lowFreqWavelen) {
                out[i] = fFactor;
            } else {
                float smooth = ((1.0f / wavelen) * oldContext - lowFactor) / factorSpan;
                float blended = (1.0f - smooth) / fFactor + smooth;
                out[i] = 1.0f / blended;
            }
        }
        return out;
    }
}
