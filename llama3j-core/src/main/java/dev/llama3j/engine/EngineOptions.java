package dev.llama3j.engine;

import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;

/**
 * How an {@link Engine} runs.
 *
 * @param parallel sequences decoded together (continuous batching slots)
 * @param contextSize positions per sequence (the KV cache of each slot)
 * @param maxBatchTokens tokens per forward pass (prompt chunks are cut to fit)
 * @param busyPrefillTokens prompt tokens per step while other sequences are generating, so that a
 *     long prompt does not stall them
 * @param queueCapacity requests that may wait for a slot before submit refuses more
 * @param cacheType how the slots' KV caches store keys and values
 */
public record EngineOptions(int parallel, int contextSize, int maxBatchTokens, int busyPrefillTokens,
        int queueCapacity, KvCacheType cacheType) {
    public EngineOptions {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be at least 1");
        }
        if (contextSize < 2) {
            throw new IllegalArgumentException("context size must be at least 2");
        }
        if (maxBatchTokens < parallel) {
            throw new IllegalArgumentException("maxBatchTokens must be at least parallel");
        }
    }

    /** The context when neither the user nor a smaller model maximum sets it: a chat's worth, cache kept modest. */
    public static final int DEFAULT_CONTEXT = 4096;
    /** Prompt tokens per step while others generate: few enough that running streams slow down, not stall. */
    public static final int BUSY_PREFILL_TOKENS = 64;
    /** Requests that may wait per slot before submit refuses more. */
    public static final int QUEUED_PER_SLOT = 64;

    /**
     * The engine's defaults for a model and the user's settings.
     *
     * @param contextSize positions per sequence, or 0 for the smaller of the model's maximum and
     *     {@link #DEFAULT_CONTEXT}
     * @param maxBatchTokens tokens per forward pass wanted; cut to what the model was loaded for
     */
    public static EngineOptions forModel(LlamaModel model, int parallel, int contextSize, int maxBatchTokens,
            KvCacheType cacheType) {
        int context = contextSize > 0 ? contextSize : Math.min(model.config().maxPositions(), DEFAULT_CONTEXT);
        return new EngineOptions(parallel, context, Math.min(maxBatchTokens, model.maxBatch()),
                Math.max(parallel, Math.min(BUSY_PREFILL_TOKENS, maxBatchTokens)), QUEUED_PER_SLOT * parallel,
                cacheType);
    }

    public static EngineOptions single(int contextSize) {
        return new EngineOptions(1, contextSize, 256, 256, 16, KvCacheType.F16);
    }
}
