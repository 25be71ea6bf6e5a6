package dev.llama3j.model;

import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;

/**
 * A step {@link ModelLoader} runs on the weights as read from the file, before their layouts are
 * optimized for the kernels. It is how adapters (package {@code lora}) reach a model without this
 * package depending on them.
 */
@FunctionalInterface
public interface AdapterHook {
    /** No adapters: the weights as read. */
    AdapterHook NONE = (config, weights, pool, arena, maxBatch) -> new AdaptedWeights(weights, ModelAdapters.NONE);

    /**
     * @param weights as read (they may point into the mapped file)
     * @param arena where new matrices are allocated; it lives as long as the model
     * @param maxBatch the most tokens of one forward pass, for buffers sized once
     */
    AdaptedWeights apply(LlamaConfig config, LlamaWeights weights, WorkerPool pool, Arena arena, int maxBatch);
}
