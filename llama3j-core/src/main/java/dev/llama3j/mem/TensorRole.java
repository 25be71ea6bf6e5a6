package dev.llama3j.mem;

/** What a Llama weight tensor does; quantization recipes and LoRA pick tensors by role. */
public enum TensorRole {
    TOKEN_EMBEDDING,
    /** The output projection ({@code lm_head}); absent when the embeddings are tied. */
    OUTPUT,
    /** An RMSNorm weight vector (two per layer and the final one). */
    NORM,
    ATTN_Q,
    ATTN_K,
    ATTN_V,
    ATTN_O,
    FFN_GATE,
    FFN_UP,
    FFN_DOWN;

    /** The seven projection matrices inside each layer (what LoRA adapts and QLoRA quantizes). */
    public boolean isLayerProjection() {
        return ordinal() >= ATTN_Q.ordinal();
    }
}
