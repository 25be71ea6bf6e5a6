package dev.llama3j.train;

import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.Projection;

/**
 * What one block's backward pass needs from its forward pass, for up to {@code maxTokens} tokens:
 * normed inputs, rotated queries and keys, values, attention output with each row's log-sum-exp (the
 * probabilities are recomputed from them), the residual after attention, the MLP's gate, up and
 * activation, and each side path's {@code A·x}. Kept per layer, or one set refilled per layer when
 * checkpointing.
 */
final class LayerActivations {
    final float[] norm1;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final float[] lse;
    final float[] mid;
    final float[] norm2;
    final float[] gate;
    final float[] up;
    final float[] act;
    /** {@code A · dropout(x)} per projection ({@code tokens × rank}), null where not targeted. */
    final float[][] low;

    LayerActivations(LlamaConfig c, LoraTrainingSpec spec, int maxTokens) {
        int h = c.hiddenSize();
        norm1 = new float[maxTokens * h];
        q = new float[maxTokens * c.qDim()];
        k = new float[maxTokens * c.kvDim()];
        v = new float[maxTokens * c.kvDim()];
        att = new float[maxTokens * c.qDim()];
        lse = new float[maxTokens * c.numHeads()];
        mid = new float[maxTokens * h];
        norm2 = new float[maxTokens * h];
        gate = new float[maxTokens * c.intermediateSize()];
        up = new float[maxTokens * c.intermediateSize()];
        act = new float[maxTokens * c.intermediateSize()];
        low = new float[Projection.values().length][];
        for (Projection p : Projection.values()) {
            if (spec.targets(p)) {
                low[p.ordinal()] = new float[maxTokens * spec.rank()];
            }
        }
    }

    /** Bytes held, for memory planning. */
    static long bytes(LlamaConfig c, LoraTrainingSpec spec, int maxTokens) {
        long perToken = 3L * c.hiddenSize() + 2L * c.qDim() + 2L * c.kvDim() + c.numHeads()
                + 3L * c.intermediateSize() + (long) spec.targets().size() * spec.rank();
        return 4L * perToken * maxTokens;
    }
}
