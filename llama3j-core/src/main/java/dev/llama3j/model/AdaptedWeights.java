package dev.llama3j.model;

/**
 * A model's weights after its adapters were applied ({@link AdapterHook}): merged ones folded in,
 * unmerged ones beside them.
 */
public record AdaptedWeights(LlamaWeights weights, ModelAdapters adapters) {}
