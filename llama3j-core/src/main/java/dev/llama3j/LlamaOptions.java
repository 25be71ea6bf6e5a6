package dev.llama3j;

import dev.llama3j.model.ModelLoader;

/**
 * How to load and run a model.
 *
 * @param threads worker threads for the kernels (default: one per core)
 * @param contextSize positions per sequence; 0 means the smaller of the model's maximum and 4096
 * @param parallel sequences generated together (continuous batching slots)
 * @param maxBatchTokens tokens per forward pass (prompt chunk size)
 */
public record LlamaOptions(int threads, int contextSize, int parallel, int maxBatchTokens) {
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
        if (maxBatchTokens < parallel) {
            throw new InvalidRequestException("the batch size must be at least the number of parallel sequences",
                    "batch-size");
        }
    }

    public static LlamaOptions defaults() {
        return new LlamaOptions(ModelLoader.defaultThreads(), 0, 1, 256);
    }

    public LlamaOptions withThreads(int t) {
        return new LlamaOptions(t, contextSize, parallel, maxBatchTokens);
    }

    public LlamaOptions withContextSize(int c) {
        return new LlamaOptions(threads, c, parallel, maxBatchTokens);
    }

    public LlamaOptions withParallel(int p) {
        return new LlamaOptions(threads, contextSize, p, Math.max(maxBatchTokens, p));
    }

    public LlamaOptions withMaxBatchTokens(int b) {
        return new LlamaOptions(threads, contextSize, parallel, b);
    }
}
