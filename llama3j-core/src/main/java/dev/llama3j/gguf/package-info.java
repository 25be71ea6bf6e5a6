/**
 * GGUF, llama.cpp's model file format: {@link dev.llama3j.gguf.GgufFile} reads one (memory-mapped,
 * every offset and length checked), {@link dev.llama3j.gguf.GgufWriter} writes one with tensor data
 * streamed from callbacks. {@link dev.llama3j.gguf.GgufKeys} and {@link dev.llama3j.gguf.LlamaGgufNames}
 * spell the metadata keys and tensor names of Llama models as {@code convert_hf_to_gguf.py} does;
 * {@link dev.llama3j.gguf.RotaryPermutation} and {@link dev.llama3j.gguf.Llama3RopeFactors} are the two
 * places where a GGUF Llama differs from its Hugging Face checkpoint beyond names: Q/K row order and
 * the {@code rope_freqs.weight} tensor.
 *
 * <p>The storage types of tensor data, and the quantizers that produce them, are in
 * {@link dev.llama3j.tensor}.
 */
package dev.llama3j.gguf;
