package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import java.util.Locale;

/**
 * The learning rate of each optimizer step, as transformers' {@code get_scheduler} gives it: a linear
 * warmup from 0 over the first {@code warmup} steps, then constant, a linear decay to 0, or a cosine
 * (half a period) to 0 over the remaining steps. Step {@code k} (0-based) uses {@code lr · λ(k)}, which
 * is what the optimizer sees in Hugging Face's Trainer, where the scheduler steps after the optimizer
 * (so with warmup the first update has learning rate 0).
 *
 * @param kind constant, linear or cosine
 * @param peak the learning rate after warmup ({@code --lr})
 * @param warmup warmup steps
 * @param total optimizer steps of the whole run
 */
public record LearningRateSchedule(Kind kind, double peak, int warmup, int total) {
    public enum Kind {
        CONSTANT, LINEAR, COSINE;

        /** {@code constant}, {@code linear} or {@code cosine}. */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return k;
                }
            }
            throw new InvalidRequestException("unknown scheduler '" + name + "': expected constant, linear or cosine",
                    "scheduler");
        }
    }

    public LearningRateSchedule {
        if (!(peak > 0) || Double.isInfinite(peak)) {
            throw new InvalidRequestException("learning rate must be a positive number, got " + peak, "lr");
        }
        if (total < 1) {
            throw new InvalidRequestException("a run needs at least one optimizer step, got " + total, "max-steps");
        }
        if (warmup < 0) {
            throw new InvalidRequestException("warmup must not be negative, got " + warmup, "warmup");
        }
    }

    /**
     * Warmup steps from {@code --warmup}: a whole number is steps; a fraction below 1 is a share of the
     * run, rounded up (transformers' {@code warmup_ratio}).
     */
    public static int warmupSteps(double warmup, int total) {
        if (!(warmup >= 0) || Double.isInfinite(warmup)) {
            throw new InvalidRequestException("warmup must be a number of steps or a fraction below 1, got " + warmup,
                    "warmup");
        }
        if (warmup < 1 && warmup > 0) {
            return (int) Math.ceil(warmup * total);
        }
        if (warmup != Math.rint(warmup)) {
            throw new InvalidRequestException("warmup must be a whole number of steps or a fraction below 1, got "
                    + warmup, "warmup");
        }
        return (int) warmup;
    }

    /** The learning rate of optimizer step {@code step} (0-based). */
    public double at(int step) {
        return peak * factor(step);
    }

    /** {@code λ(step)}. */
    public double factor(int step) {
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        return switch (kind) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            case COSINE -> {
                double progress = (double) (step - warmup) / Math.max(1, total - warmup);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            }
        };
    }
}
