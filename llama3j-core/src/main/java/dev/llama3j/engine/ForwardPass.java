package dev.llama3j.engine;

import dev.llama3j.model.Batch;

/**
 * Runs one batch through the model: {@link dev.llama3j.model.LlamaModel#forward} for real, a fake in
 * tests that exercise the scheduling and output handling without a model.
 */
@FunctionalInterface
interface ForwardPass {
    /** Writes the logits of the batch's tokens that want them to {@code logits}, one row each, in batch order. */
    void forward(Batch batch, float[] logits);
}
