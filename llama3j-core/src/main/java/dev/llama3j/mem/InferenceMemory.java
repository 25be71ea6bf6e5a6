package dev.llama3j.mem;

/**
 * What running a model takes: its weights, the KV cache of every parallel sequence at full context,
 * and the engine's working buffers ({@link WorkingBuffers}).
 *
 * @param context positions per sequence
 * @param parallel sequences held at once, each with its own cache of {@code context} positions
 */
public record InferenceMemory(long weights, long kvCache, long buffers, int context, int parallel,
        CacheType cacheType) {

    public long total() {
        return weights + kvCache + buffers;
    }

    /**
     * Plans one configuration.
     *
     * @param weightBytes the weights' bytes (from {@link WeightFormat#bytes} or a checkpoint)
     * @param batchTokens the most tokens one forward pass takes (llama3j's default: 256)
     */
    public static InferenceMemory of(ModelShape shape, long weightBytes, int context, int parallel,
            CacheType cacheType, int batchTokens) {
        if (context < 1 || parallel < 1 || batchTokens < 1) {
            throw new IllegalArgumentException("context, parallel and batch tokens must be at least 1");
        }
        return new InferenceMemory(weightBytes, parallel * kvCacheBytes(shape, context, cacheType),
                WorkingBuffers.bytes(shape, parallel, batchTokens), context, parallel, cacheType);
    }

    /** KV cache bytes of one token: 2 × layers × kv_heads × head_dim values. */
    public static long kvBytesPerToken(ModelShape shape, CacheType cacheType) {
        return 2L * shape.layers() * cacheType.bytes(shape.kvDim());
    }

    /**
     * KV cache bytes of one sequence of {@code tokens} positions. For the types llama3j's engine
     * allocates (f32, f16) this is exactly its allocation, which rounds the keys up to a whole vector
     * of positions; other types follow the plain formula.
     */
    public static long kvCacheBytes(ModelShape shape, long tokens, CacheType cacheType) {
        if (cacheType == CacheType.F32 || cacheType == CacheType.F16) {
            return dev.llama3j.model.KvCache.bytes(shape.layers(), shape.kvDim(), tokens,
                    cacheType == CacheType.F32 ? dev.llama3j.model.KvCacheType.F32 : dev.llama3j.model.KvCacheType.F16);
        }
        return tokens * kvBytesPerToken(shape, cacheType);
    }
}
