package dev.llama3j;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.ModelLoader;

/**
 * How to load and run a model.
 *
 * @param threads worker threads for the kernels (default: one per core)
 * @param contextSize positions per sequence; 0 means the smaller of the model's maximum and 4096
 * @param parallel sequences generated together (continuous batching slots)
 * @param maxBatchTokens tokens per forward pass (prompt chunk size)
 * @param cacheType KV cache storage: fp16 (default, as llama.cpp) or fp32
 * @param lora LoRA adapters to load with the model, and how to apply them (default: none)
 * @param warmUp whether loading ends with a few throwaway one-token steps ({@link
 *     dev.llama3j.model.LlamaModel#warmUp}), like llama.cpp's warm-up run (default: yes)
 */
public record LlamaOptions(int threads, int contextSize, int parallel, int maxBatchTokens, KvCacheType cacheType,
        LoraOptions lora, boolean warmUp) {
    public LlamaOptions {
        if (threads < 1) {
            throw new InvalidRequestException("threads must be at least 1, got " + threads, "threads");
        }
        if (contextSize < 0 || contextSize == 1) {
            throw new InvalidRequestException("context size must be at least 2 tokens (or 0 for the model's default), got "
                    + contextSize, "ctx-size");
        }
        if (parallel < 1) {
            throw new InvalidRequestException("parallel must be at least 1, got " + parallel, "parallel");
        }
        if (cacheType == null) {
            throw new InvalidRequestException("a cache type is required", "cache-type");
        }
        if (lora == null) {
            throw new InvalidRequestException("LoRA options are required (LoraOptions.NONE for none)", "lora");
        }
        if (maxBatchTokens < parallel) {
            throw new InvalidRequestException("the batch size must be at least the number of parallel sequences",
                    "batch-size");
        }
    }

    public static LlamaOptions defaults() {
        return new LlamaOptions(ModelLoader.defaultThreads(), 0, 1, 256, KvCacheType.F16, LoraOptions.NONE, true);
    }

    public LlamaOptions withThreads(int t) {
        return new LlamaOptions(t, contextSize, parallel, maxBatchTokens, cacheType, lora, warmUp);
    }

    public LlamaOptions withContextSize(int c) {
        return new LlamaOptions(threads, c, parallel, maxBatchTokens, cacheType, lora, warmUp);
    }

    public LlamaOptions withParallel(int p) {
        return new LlamaOptions(threads, contextSize, p, Math.max(maxBatchTokens, p), cacheType, lora, warmUp);
    }

    public LlamaOptions withMaxBatchTokens(int b) {
        return new LlamaOptions(threads, contextSize, parallel, b, cacheType, lora, warmUp);
    }

    public LlamaOptions withCacheType(KvCacheType t) {
        return new LlamaOptions(threads, contextSize, parallel, maxBatchTokens, t, lora, warmUp);
    }

    /**
     * With LoRA adapters: merged into the weights, or applied per request by name
     * ({@link ChatRequest#adapter}, {@link dev.llama3j.engine.GenerationRequest#adapter}).
     */
    public LlamaOptions withLora(LoraOptions l) {
        return new LlamaOptions(threads, contextSize, parallel, maxBatchTokens, cacheType, l, warmUp);
    }

    /** With or without the warm-up steps at the end of loading (off: the first request compiles the kernels). */
    public LlamaOptions withWarmUp(boolean w) {
        return new LlamaOptions(threads, contextSize, parallel, maxBatchTokens, cacheType, lora, w);
    }
}
