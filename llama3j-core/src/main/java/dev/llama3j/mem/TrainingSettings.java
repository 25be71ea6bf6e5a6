package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;

/**
 * One training configuration.
 *
 * @param seqLen tokens per sequence
 * @param microBatch sequences per forward/backward pass (gradient accumulation adds no memory)
 * @param gradientCheckpointing whether only each layer's input is kept and the rest recomputed
 * @param loraRank the LoRA rank r (LoRA and QLoRA)
 * @param doubleQuant QLoRA: whether the NF4 block scales are themselves quantized (bitsandbytes'
 *     {@code bnb_4bit_use_double_quant})
 */
public record TrainingSettings(TrainingMethod method, int seqLen, int microBatch, boolean gradientCheckpointing,
        int loraRank, boolean doubleQuant) {

    public TrainingSettings {
        if (seqLen < 1) {
            throw new InvalidRequestException("--seq-len must be at least 1, got " + seqLen, "seq-len");
        }
        if (microBatch < 1) {
            throw new InvalidRequestException("--micro-batch must be at least 1, got " + microBatch, "micro-batch");
        }
        if (loraRank < 1) {
            throw new InvalidRequestException("--lora-rank must be at least 1, got " + loraRank, "lora-rank");
        }
    }

    /** 1,024 tokens, micro-batch 1, no checkpointing, r = 16, double quantization on. */
    public static TrainingSettings defaults(TrainingMethod method) {
        return new TrainingSettings(method, 1024, 1, false, 16, true);
    }

    public long tokens() {
        return (long) seqLen * microBatch;
    }

    public TrainingSettings withGradientCheckpointing(boolean on) {
        return new TrainingSettings(method, seqLen, microBatch, on, loraRank, doubleQuant);
    }

    public TrainingSettings withDoubleQuant(boolean on) {
        return new TrainingSettings(method, seqLen, microBatch, gradientCheckpointing, loraRank, on);
    }
}
