package dev.llama3j.mem;

import dev.llama3j.model.LlamaConfig;

/**
 * Sizing decisions from memory arithmetic; the server sizes its KV cache with
 * {@link #maxContextThatFits} when no context size is given.
 */
public final class MemoryPlan {
    /** Tokens per forward pass llama3j uses unless told otherwise ({@code LlamaOptions.defaults()}). */
    public static final int DEFAULT_BATCH_TOKENS = 256;

    private MemoryPlan() {}

    /**
     * The longest context, at most the model's {@code max_position_embeddings}, for which the weights,
     * {@code parallel} KV caches of that length and the working buffers fit in {@code deviceBytes};
     * 0 when not even one token fits.
     *
     * @param weightsBytes what the weights take: the mapped tensor bytes ({@link StoredModel#weightBytes()},
     *     {@code SafetensorsCheckpoint.mappedBytes()}); {@code LlamaWeights.bytes()} does too, though it
     *     counts the norms' fp32 copies that the working buffers count again (a few hundred KB)
     * @param deviceBytes the memory to fit in (RAM or heap for llama3j, GPU memory for others)
     */
    public static int maxContextThatFits(LlamaConfig config, long weightsBytes, long deviceBytes, int parallel,
            CacheType cacheType) {
        return maxContextThatFits(ModelShape.of(config, "model"), weightsBytes, deviceBytes, parallel, cacheType,
                Math.max(DEFAULT_BATCH_TOKENS, parallel));
    }

    /** As {@link #maxContextThatFits(LlamaConfig, long, long, int, CacheType)}, with the batch size given. */
    public static int maxContextThatFits(ModelShape shape, long weightsBytes, long deviceBytes, int parallel,
            CacheType cacheType, int batchTokens) {
        return (int) Math.min(shape.maxPositions(),
                tokensThatFit(shape, weightsBytes, deviceBytes, parallel, cacheType, batchTokens));
    }

    /**
     * Positions per sequence that fit, ignoring the model's maximum context (so that a caller can say
     * how much room is left over); 0 when the weights and buffers alone do not fit.
     */
    public static long tokensThatFit(ModelShape shape, long weightsBytes, long deviceBytes, int parallel,
            CacheType cacheType, int batchTokens) {
        if (parallel < 1 || batchTokens < 1) {
            throw new IllegalArgumentException("parallel and batch tokens must be at least 1");
        }
        long free = deviceBytes - weightsBytes - WorkingBuffers.bytes(shape, parallel, batchTokens);
        if (free <= 0) {
            return 0;
        }
        return free / (parallel * InferenceMemory.kvBytesPerToken(shape, cacheType));
    }
}
