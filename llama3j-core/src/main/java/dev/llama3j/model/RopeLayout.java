package dev.llama3j.model;

/**
 * Which dimensions of a head RoPE rotates together. Hugging Face checkpoints rotate dimension
 * {@code i} with {@code i + headDim/2} ({@code rotate_half}); GGUF files store Q and K rows permuted
 * so that llama.cpp rotates neighbours {@code 2i} and {@code 2i+1}. The model applies whichever
 * layout its weights are in, so GGUF weights need no un-permuting.
 */
public enum RopeLayout {
    HALF,
    INTERLEAVED
}
