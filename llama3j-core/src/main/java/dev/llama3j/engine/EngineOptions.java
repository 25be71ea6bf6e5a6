package dev.llama3j.engine;

import dev.llama3j.model.KvCacheType;

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

    public static EngineOptions single(int contextSize) {
        return new EngineOptions(1, contextSize, 256, 256, 16, KvCacheType.F16);
    }
}
