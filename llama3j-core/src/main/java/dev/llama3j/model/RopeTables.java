package dev.llama3j.model;

/**
 * Rotary position embedding frequencies, with Llama 3.1's {@code llama3} scaling, computed in fp32
 * in the same order of operations as Hugging Face's {@code _compute_llama3_parameters}, so that
 * rotations agree at large positions (at position 12,287 one ulp of a frequency is 0.0007 rad).
 */
public final class RopeTables {
    private final float[] invFreq;
    private final RopeLayout layout;

    private RopeTables(float[] invFreq, RopeLayout layout) {
        this.invFreq = invFreq;
        this.layout = layout;
    }

    /** Frequencies from the config (Hugging Face checkpoints and GGUF files alike). */
    public static RopeTables of(LlamaConfig config, RopeLayout layout) {
        return new RopeTables(inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling()), layout);
    }

    /**
     * Frequencies from base and per-frequency divisors, as llama.cpp applies a GGUF's
     * {@code rope_freqs.weight}: {@code theta_i = base^(-2i/d) / factors[i]}.
     */
    public static RopeTables withFactors(int headDim, double theta, float[] factors, RopeLayout layout) {
        float[] inv = inverseFrequencies(headDim, theta, RopeScaling.NONE);
        for (int i = 0; i < inv.length; i++) {
            inv[i] = inv[i] / factors[i];
        }
        return new RopeTables(inv, layout);
    }

    static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        if (!scaling.isLlama3()) {
            return inv;
        }
        float factor = (float) scaling.factor();
        float low = (float) scaling.lowFreqFactor();
        float high = (float) scaling.highFreqFactor();
        float oldContext = scaling.originalMaxPositions();
        float lowFreqWavelen = oldContext / low;
        float highFreqWavelen = oldContext / high;
        for (int i = 0; i < half; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
        return inv;
    }

    public int halfDim() {
        return invFreq.length;
    }

    public RopeLayout layout() {
        return layout;
    }

    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /** Fills {@code cos[off..off+half)} and {@code sin[…]} for one position. */
    public void angles(int position, float[] cos, float[] sin, int off) {
        float p = position;
        for (int i = 0; i < invFreq.length; i++) {
            float a = invFreq[i] * p; // fp32 product, as torch computes it
            cos[off + i] = (float) Math.cos(a);
            sin[off + i] = (float) Math.sin(a);
        }
    }

    /** Rotates the {@code heads} heads of {@code headDim} values stored from {@code x[off]}. */
    public void rotate(float[] x, int off, int heads, int headDim, float[] cos, float[] sin, int angleOff) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            if (layout == RopeLayout.HALF) {
                for (int i = 0; i < half; i++) {
                    float c = cos[angleOff + i];
                    float s = sin[angleOff + i];
                    float x0 = x[base + i];
                    float x1 = x[base + i + half];
                    x[base + i] = x0 * c - x1 * s;
                    x[base + i + half] = x1 * c + x0 * s;
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float c = cos[angleOff + i];
                    float s = sin[angleOff + i];
                    float x0 = x[base + 2 * i];
                    float x1 = x[base + 2 * i + 1];
                    x[base + 2 * i] = x0 * c - x1 * s;
                    x[base + 2 * i + 1] = x1 * c + x0 * s;
                }
            }
        }
    }
}
