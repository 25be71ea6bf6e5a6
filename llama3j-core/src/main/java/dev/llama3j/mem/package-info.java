/**
 * Memory planning: what a Llama model takes to run or to fine-tune, by exact arithmetic on its shape.
 *
 * <ul>
 *   <li>{@link dev.llama3j.mem.ModelShape}: layers, widths, heads, vocabulary; built from a
 *       {@code config.json}, a GGUF file ({@link dev.llama3j.mem.StoredModel}) or a Llama 3.1 preset
 *       ({@link dev.llama3j.mem.KnownModels}); the exact tensor list and parameter count;
 *   <li>{@link dev.llama3j.mem.WeightFormat}: bytes of the weights in bf16, fp8, int4 or a llama.cpp
 *       format; {@link dev.llama3j.mem.StoredModel}: the real bytes of a checkpoint's tensors;
 *   <li>{@link dev.llama3j.mem.InferenceMemory}: weights + KV cache
 *       ({@link dev.llama3j.mem.CacheType}) + {@link dev.llama3j.mem.WorkingBuffers};
 *       {@link dev.llama3j.mem.MemoryPlan#maxContextThatFits} for servers that size their cache;
 *   <li>{@link dev.llama3j.mem.TrainingMemory}: full fine-tuning, LoRA and QLoRA, item by item, with an
 *       activation estimate ({@link dev.llama3j.mem.TrainingActivations});
 *   <li>{@link dev.llama3j.mem.BlogTables}: the Llama 3.1 launch blog's tables and why they differ.
 * </ul>
 *
 * Sizes are plain byte counts; {@link dev.llama3j.mem.ByteSize} parses and prints them in GB (10^9)
 * and GiB (2^30), {@link dev.llama3j.mem.TokenCount} reads token counts (16k = 16,000, 16Ki = 16,384).
 */
package dev.llama3j.mem;
