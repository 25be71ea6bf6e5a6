package dev.llama3j.mem;

/**
 * The working memory llama3j's engine allocates besides weights and KV cache, all fp32: one forward
 * pass's activations for up to {@code batchTokens} tokens ({@code LlamaModel}: x, xb, q, k, v,
 * attention output, gate, up, rope cos/sin, final hidden), one row of logits per parallel sequence
 * ({@code Engine}), and fp32 copies of the norm weights. Not counted: the products' inputs in the
 * forms the kernels read, grown on first use ({@code MatmulInput}: packed for the prompt GEMM, up to
 * hidden + attention + MLP widths floats per batch token, 90 KB for 8B; quantized to 8 bits for
 * generation, and on AMD hosts for 4-bit prompts, where {@code IntGemm} also reads them paired, about
 * as many bytes again), each worker thread's attention score scratch (query heads per KV head × context
 * floats, 2 MiB per thread at 128K context for Llama 3.1), the tokenizer and the JVM itself. A GPU server's workspace, CUDA graphs and allocator
 * slack are not counted either; they are engine-specific.
 */
public final class WorkingBuffers {
    private WorkingBuffers() {}

    /** Activation floats per token in one forward pass. */
    static long activationFloatsPerToken(ModelShape s) {
        return 3L * s.hidden() // x, xb, final hidden
                + 2L * s.qDim() // q, attention output
                + 2L * s.kvDim() // k, v
                + 2L * s.ffn() // gate, up
                + s.headDim(); // rope cos and sin, half a head each
    }

    /** Bytes of the engine's working buffers for {@code parallel} sequences and batches of {@code batchTokens}. */
    public static long bytes(ModelShape s, int parallel, int batchTokens) {
        long activations = (long) batchTokens * activationFloatsPerToken(s) * Float.BYTES;
        long logits = (long) parallel * s.vocab() * Float.BYTES;
        long norms = (2L * s.layers() + 1) * s.hidden() * Float.BYTES;
        return activations + logits + norms;
    }
}
