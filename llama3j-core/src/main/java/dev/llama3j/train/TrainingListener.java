package dev.llama3j.train;

import java.nio.file.Path;

/** What a fine-tuning run reports as it goes (the CLI draws a progress bar or prints JSON lines). */
public interface TrainingListener {
    TrainingListener NONE = r -> {};

    /**
     * One optimizer step done.
     *
     * @param step steps done, 1-based
     * @param totalSteps steps of the run
     * @param epoch epochs done, fractional
     * @param loss the step's loss: mean cross-entropy over its target tokens
     * @param lr the learning rate the step used
     * @param gradNorm the global gradient norm before clipping
     * @param tokens tokens the step processed
     * @param seconds how long the step took
     */
    record Step(int step, int totalSteps, double epoch, double loss, double lr, double gradNorm, long tokens,
            double seconds) {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    void step(Step s);

    /** The loss over the eval set after {@code step} steps. */
    default void eval(int step, double loss) {}

    /** A checkpoint written. */
    default void saved(int step, Path dir) {}
}
