/**
 * Quantized Hugging Face checkpoints loaded as they are published: AWQ (GEMM), GPTQ, compressed-tensors
 * (pack-quantized INT4, float-quantized FP8) and fbgemm FP8. {@link dev.llama3j.quant.QuantizationConfig}
 * reads the config, one unpacker per layout turns a layer's tensors into a neutral holder
 * ({@link dev.llama3j.quant.Int4Weights}, {@link dev.llama3j.quant.Fp8Weights}), and
 * {@link dev.llama3j.quant.QuantizedSource} plugs them into the one load path.
 */
package dev.llama3j.quant;
