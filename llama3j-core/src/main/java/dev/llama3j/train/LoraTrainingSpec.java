package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.Projection;
import java.util.EnumSet;
import java.util.Set;

/**
 * What LoRA to train: PEFT's {@code r}, {@code lora_alpha}, {@code lora_dropout} and
 * {@code target_modules}. The side path of a targeted projection is
 * {@code y = W x + (alpha / rank) · B (A (dropout(x)))}.
 *
 * @param rank the inner dimension {@code r} of each A/B pair
 * @param alpha PEFT's {@code lora_alpha}; the update is scaled by {@code alpha / rank}
 * @param dropout probability of zeroing an input value of the side path (training only), in [0, 1)
 * @param targets the projections that get an adapter, in every layer
 */
public record LoraTrainingSpec(int rank, float alpha, float dropout, Set<Projection> targets) {
    public LoraTrainingSpec {
        if (rank < 1) {
            throw new InvalidRequestException("LoRA rank must be at least 1, got " + rank, "rank");
        }
        if (!(alpha > 0) || Float.isInfinite(alpha)) {
            throw new InvalidRequestException("LoRA alpha must be a positive number, got " + alpha, "alpha");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidRequestException("LoRA dropout must be in [0, 1), got " + dropout, "dropout");
        }
        if (targets == null || targets.isEmpty()) {
            throw new InvalidRequestException("LoRA needs at least one target projection (q_proj, k_proj, ...)",
                    "target");
        }
        targets = Set.copyOf(EnumSet.copyOf(targets));
    }

    /** {@code alpha / rank}, PEFT's {@code scaling}. */
    public float scale() {
        return alpha / rank;
    }

    /** Whether {@code p} has an adapter. */
    public boolean targets(Projection p) {
        return targets.contains(p);
    }
}
