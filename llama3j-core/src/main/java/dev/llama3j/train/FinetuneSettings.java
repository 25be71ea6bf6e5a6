package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.Projection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides a fine-tuning run's result. The defaults ({@link #recipe}) are the Llama 3.1
 * launch blog's QLoRA recipe with TRL: rank 16, alpha 32, dropout 0.05 on q/k/v/o, learning rate 2e-4,
 * batch 1 with 4 gradient-accumulation steps, sequences up to 1,024 tokens; Hugging Face's Trainer
 * defaults for the rest (AdamW, weight decay 0, gradient norm clipped to 1, linear schedule).
 *
 * @param lora rank, alpha, dropout and target projections
 * @param qlora whether the base's float projections are held as NF4 while training
 * @param doubleQuant with {@code qlora}: NF4 block scales quantized to 8 bits too
 * @param lr the peak learning rate
 * @param scheduler the schedule after warmup
 * @param warmup warmup steps, or a fraction below 1 of the run
 * @param epochs passes over the data when {@code maxSteps} is 0
 * @param maxSteps optimizer steps of the run, or 0 to run {@code epochs}
 * @param batchSize sequences per micro-batch
 * @param gradAccum micro-batches per optimizer step
 * @param maxSeqLen longer examples are cut
 * @param gradientCheckpointing recompute activations in backward instead of keeping them
 * @param seed adapter initialisation, data order and dropout
 * @param weightDecay AdamW's decoupled weight decay
 * @param maxGradNorm the global gradient norm is clipped to this (0: no clipping)
 * @param evalEvery evaluate every this many steps (0: only at the end, when there is an eval set)
 * @param saveEvery checkpoint every this many steps (0: never)
 */
public record FinetuneSettings(LoraTrainingSpec lora, boolean qlora, boolean doubleQuant, double lr,
        LearningRateSchedule.Kind scheduler, double warmup, int epochs, int maxSteps, int batchSize, int gradAccum,
        int maxSeqLen, boolean gradientCheckpointing, long seed, double weightDecay, double maxGradNorm, int evalEvery,
        int saveEvery) {

    public FinetuneSettings {
        positive(batchSize, "batch-size");
        positive(gradAccum, "grad-accum");
        positive(epochs, "epochs");
        if (maxSteps < 0) {
            throw new InvalidRequestException("--max-steps must not be negative, got " + maxSteps, "max-steps");
        }
        if (maxSeqLen < 2) {
            throw new InvalidRequestException("--max-seq-len must be at least 2, got " + maxSeqLen, "max-seq-len");
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new InvalidRequestException("--lr must be a positive number, got " + lr, "lr");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidRequestException("--weight-decay must not be negative, got " + weightDecay, "weight-decay");
        }
        if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
            throw new InvalidRequestException("--max-grad-norm must not be negative, got " + maxGradNorm,
                    "max-grad-norm");
        }
        if (evalEvery < 0 || saveEvery < 0) {
            throw new InvalidRequestException("--eval-every and --save-every must not be negative", "save-every");
        }
        if (doubleQuant && !qlora) {
            throw new InvalidRequestException("--double-quant quantizes a QLoRA base's scales: it needs --method qlora",
                    "double-quant");
        }
        LearningRateSchedule.warmupSteps(warmup, 1); // refuses a negative or fractional step count now
    }

    private static void positive(int v, String flag) {
        if (v < 1) {
            throw new InvalidRequestException("--" + flag + " must be at least 1, got " + v, flag);
        }
    }

    /** Sequences per optimizer step. */
    public int examplesPerStep() {
        return batchSize * gradAccum;
    }

    /** Optimizer steps of a run over {@code examples} examples. */
    public int totalSteps(int examples) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        int perEpoch = (examples + examplesPerStep() - 1) / examplesPerStep();
        return Math.multiplyExact(perEpoch, epochs);
    }

    /**
     * The settings that shape the result, as JSON values, for a checkpoint: a resumed run must match
     * them. How often to evaluate or save is not among them: neither changes the adapter.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", lora.rank());
        m.put("alpha", (double) lora.alpha());
        m.put("dropout", (double) lora.dropout());
        List<Object> targets = new ArrayList<>();
        for (Projection p : Projection.values()) {
            if (lora.targets(p)) {
                targets.add(p.module());
            }
        }
        m.put("target", targets);
        m.put("method", qlora ? "qlora" : "lora");
        m.put("double_quant", doubleQuant);
        m.put("lr", lr);
        m.put("scheduler", scheduler.name().toLowerCase(java.util.Locale.ROOT));
        m.put("warmup", warmup);
        m.put("epochs", epochs);
        m.put("max_steps", maxSteps);
        m.put("batch_size", batchSize);
        m.put("grad_accum", gradAccum);
        m.put("max_seq_len", maxSeqLen);
        m.put("seed", seed);
        m.put("weight_decay", weightDecay);
        m.put("max_grad_norm", maxGradNorm);
        return m;
    }
}
