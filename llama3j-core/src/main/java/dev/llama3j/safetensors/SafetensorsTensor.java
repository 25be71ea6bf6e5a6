package dev.llama3j.safetensors;

import dev.llama3j.tensor.GgmlType;
import java.lang.foreign.MemorySegment;

/**
 * One tensor of a safetensors file: its dtype ("BF16"…), the matching storage type (null for the FP8
 * dtypes, which only quantized checkpoints hold), shape and data.
 */
public record SafetensorsTensor(String name, String dtype, GgmlType type, long[] shape, MemorySegment data) {}
