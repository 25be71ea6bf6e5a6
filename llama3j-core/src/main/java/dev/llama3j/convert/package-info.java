/**
 * Writing Llama GGUF files: {@link dev.llama3j.convert.HfToGgufConverter} converts a Hugging Face
 * folder as llama.cpp's {@code convert_hf_to_gguf.py} (and {@code llama-quantize} for Q4_0) would,
 * {@link dev.llama3j.convert.TensorTypeRecipe} says which storage type each tensor gets, and
 * {@link dev.llama3j.convert.SyntheticModel} writes random-weight files of real Llama shapes for
 * benchmarks. Tensors stream through {@code RowWriter} a few MiB at a time, so no model is ever held on
 * the heap.
 */
package dev.llama3j.convert;
