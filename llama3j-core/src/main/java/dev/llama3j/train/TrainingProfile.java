package dev.llama3j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where training time went, in nanoseconds summed over steps, measured with {@link System#nanoTime}
 * at phase boundaries (no per-token cost).
 *
 * <p><b>Phases</b> add up to the steps' time: the blocks' forward pass, its recomputation during
 * backward (gradient checkpointing only), the blocks' backward pass, the loss (final norm, lm_head
 * products over the vocabulary, softmax and their gradients), the optimizer (gradient clipping,
 * AdamW, zeroing the gradients) and the data (picking each step's examples).
 *
 * <p><b>Inside</b> the phases, overlapping them: products with the frozen base forward and backward
 * (lm_head included), of which the time spent turning stored weights (NF4, F16…) into fp32 rows for
 * them ({@code dequantNanos}: summed over workers and divided by their number, so comparable with the
 * wall-clock figures), the LoRA side paths, and attention.
 */
public record TrainingProfile(long forwardNanos, long recomputeNanos, long backwardNanos, long lossNanos,
        long optimizerNanos, long dataNanos, long baseForwardNanos, long baseBackwardNanos, long dequantNanos,
        long adapterNanos, long attentionNanos) {

    public static final TrainingProfile ZERO = new TrainingProfile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The phases' sum: the time of the steps. */
    public long totalNanos() {
        return forwardNanos + recomputeNanos + backwardNanos + lossNanos + optimizerNanos + dataNanos;
    }

    /** Both profiles' times added. */
    public TrainingProfile plus(TrainingProfile o) {
        return new TrainingProfile(forwardNanos + o.forwardNanos, recomputeNanos + o.recomputeNanos,
                backwardNanos + o.backwardNanos, lossNanos + o.lossNanos, optimizerNanos + o.optimizerNanos,
                dataNanos + o.dataNanos, baseForwardNanos + o.baseForwardNanos,
                baseBackwardNanos + o.baseBackwardNanos, dequantNanos + o.dequantNanos, adapterNanos + o.adapterNanos,
                attentionNanos + o.attentionNanos);
    }

    /** This profile with the run loop's own phases added. */
    public TrainingProfile withLoop(long optimizer, long data) {
        return plus(new TrainingProfile(0, 0, 0, 0, optimizer, data, 0, 0, 0, 0, 0));
    }

    /** Seconds per part, in order: the phases, then what is inside them (keys for JSON). */
    public Map<String, Double> seconds() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("forward", forwardNanos / 1e9);
        m.put("recompute", recomputeNanos / 1e9);
        m.put("backward", backwardNanos / 1e9);
        m.put("loss", lossNanos / 1e9);
        m.put("optimizer", optimizerNanos / 1e9);
        m.put("data", dataNanos / 1e9);
        m.put("base_matmul_forward", baseForwardNanos / 1e9);
        m.put("base_matmul_backward", baseBackwardNanos / 1e9);
        m.put("dequantize", dequantNanos / 1e9);
        m.put("adapters", adapterNanos / 1e9);
        m.put("attention", attentionNanos / 1e9);
        return m;
    }

    /** Two lines: each phase, then each part inside them, in seconds and as a share of the total. */
    public String describe() {
        return String.format("forward %s, recompute %s, backward %s, loss (lm_head, softmax) %s, optimizer %s,"
                + " data %s%n  inside: base products forward %s, backward %s (dequantizing weights %s),"
                + " adapters %s, attention %s", part(forwardNanos), part(recomputeNanos), part(backwardNanos),
                part(lossNanos), part(optimizerNanos), part(dataNanos), part(baseForwardNanos),
                part(baseBackwardNanos), part(dequantNanos), part(adapterNanos), part(attentionNanos));
    }

    private String part(long nanos) {
        long total = totalNanos();
        return String.format("%.2fs (%.0f%%)", nanos / 1e9, total == 0 ? 0 : 100.0 * nanos / total);
    }
}
