package dev.llama3j.lora;

import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.ModelAdapters;

/** A model's weights after its adapters were applied: merged ones folded in, unmerged ones beside them. */
public record AdaptedWeights(LlamaWeights weights, ModelAdapters adapters) {}
