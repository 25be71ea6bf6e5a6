package dev.llama3j.model;

/**
 * Llama 3.1's {@code rope_type: llama3} frequency scaling: wavelengths longer than
 * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, shorter than
 * {@code originalMaxPositions / highFreqFactor} kept, and those between blended smoothly. {@link #NONE}
 * means plain RoPE.
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions) {
    public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0);

    public boolean isLlama3() {
        return type.equals("llama3");
    }
}
