package dev.llama3j.model;

import dev.llama3j.tensor.MatmulInput;
import java.util.List;

/**
 * Low-rank side paths (unmerged LoRA adapters) that {@link LlamaModel} adds after a projection's
 * matmul, each token by its own adapter ({@link Batch#adapter}: 0 is the base, {@code i} the
 * {@code i}-th name of {@link #names()}). The base weights stay as loaded, quantized or not.
 */
public interface ProjectionAdapters {
    /** Adapter names; the adapter at index {@code i} is chosen in a batch with {@code i + 1}. */
    List<String> names();

    /**
     * Adds the side path of {@code projection} in {@code layer} to {@code out} ({@code in.n()} rows, one
     * per batch token, of the projection's output size) for the tokens whose adapter targets it.
     */
    void apply(int layer, Projection projection, Batch batch, MatmulInput in, float[] out);
}
