package dev.llama3j.model;

import dev.llama3j.tensor.WeightMatrix;

/** One transformer block's weights. Norm weights are small and kept as fp32 arrays. */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq,
        WeightMatrix wk,
        WeightMatrix wv,
        WeightMatrix wo,
        float[] ffnNorm,
        WeightMatrix wGate,
        WeightMatrix wUp,
        WeightMatrix wDown) {}
