package dev.llama3j.convert;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.RopeScaling;
import java.util.Locale;

/** Shapes of real Llama checkpoints, for random-weight GGUF files ({@link SyntheticModel}). */
public enum SyntheticShape {
    /**
     * For tests: hidden 256 (so that a Q4_0 file's output matrix is Q6_K, as in real models), FFN 512,
     * 2 layers, 4/2 heads of 64, untied.
     */
    TINY("tiny", new LlamaConfig(128256, 256, 512, 2, 4, 2, 64, 1e-5f, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, false, 128000, new int[] {128001, 128008, 128009})),
    /** Llama-3.2-1B: hidden 2048, 16 layers, 32/8 heads of 64, FFN 8192, tied embeddings, llama3 RoPE factor 32. */
    LLAMA_3_2_1B("1b", new LlamaConfig(128256, 2048, 8192, 16, 32, 8, 64, 1e-5f, 500000.0,
            new RopeScaling("llama3", 32, 1, 4, 8192), 131072, true, 128000, new int[] {128001, 128008, 128009})),
    /** Llama-3.1-8B: hidden 4096, 32 layers, 32/8 heads of 128, FFN 14336, untied, llama3 RoPE factor 8. */
    LLAMA_3_1_8B("8b", new LlamaConfig(128256, 4096, 14336, 32, 32, 8, 128, 1e-5f, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, false, 128000, new int[] {128001, 128008, 128009}));

    public final String label;
    public final LlamaConfig config;

    SyntheticShape(String label, LlamaConfig config) {
        this.label = label;
        this.config = config;
    }

    /** The shape called {@code label} (tiny, 1b, 8b). */
    public static SyntheticShape parse(String label) {
        for (SyntheticShape s : values()) {
            if (s.label.equals(label.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new InvalidRequestException("unknown shape '" + label + "'; expected tiny, 1b or 8b", "shape");
    }
}
