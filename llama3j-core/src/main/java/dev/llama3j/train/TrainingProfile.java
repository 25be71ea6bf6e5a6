package dev.llama3j.train;

/**
 * Where training time went, in nanoseconds, summed over calls: products with the frozen base weights
 * (forward and backward, lm_head included), the LoRA side paths, attention, and the loss (lm_head
 * products, softmax and its gradient: part of the base figures too). The rest (norms, RoPE, SwiGLU,
 * residuals) is {@link #otherNanos()}.
 */
public record TrainingProfile(long totalNanos, long baseForwardNanos, long baseBackwardNanos, long adapterNanos,
        long attentionNanos, long lossNanos) {

    /** Time outside the base products, side paths and attention (the loss's softmax is in here). */
    public long otherNanos() {
        return totalNanos - baseForwardNanos - baseBackwardNanos - adapterNanos - attentionNanos;
    }

    /** One line: each part in seconds and as a share of the total. */
    public String describe() {
        return String.format("base forward %s, base backward %s, adapters %s, attention %s, other %s"
                + " (loss incl. lm_head %s)", part(baseForwardNanos), part(baseBackwardNanos), part(adapterNanos),
                part(attentionNanos), part(otherNanos()), part(lossNanos));
    }

    private String part(long nanos) {
        return String.format("%.2fs (%.0f%%)", nanos / 1e9, totalNanos == 0 ? 0 : 100.0 * nanos / totalNanos);
    }
}
