package dev.llama3j.train;

import java.util.Arrays;

/**
 * One training sequence: its token ids and, for each position, whether that token is a loss target.
 * {@code targets[i]} true means the model is trained to predict {@code tokens[i]} from the tokens before
 * it, so the loss term is taken at the logits of position {@code i - 1}; {@code targets[0]} is always
 * false. This is Hugging Face's {@code labels} with {@code -100} where false, before the shift.
 *
 * @param tokens the ids, BOS first
 * @param targets which ids the loss counts
 */
public record TrainingExample(int[] tokens, boolean[] targets) {
    public TrainingExample {
        if (tokens.length != targets.length) {
            throw new IllegalArgumentException(tokens.length + " tokens but " + targets.length + " target flags");
        }
        if (targets.length > 0 && targets[0]) {
            throw new IllegalArgumentException("the first token cannot be a target: nothing comes before it");
        }
    }

    public int length() {
        return tokens.length;
    }

    /** How many tokens the loss counts. */
    public int targetCount() {
        int n = 0;
        for (boolean t : targets) {
            if (t) {
                n++;
            }
        }
        return n;
    }

    /** The first {@code maxLength} tokens (this example when it is not longer). */
    public TrainingExample truncated(int maxLength) {
        if (tokens.length <= maxLength) {
            return this;
        }
        return new TrainingExample(Arrays.copyOf(tokens, maxLength), Arrays.copyOf(targets, maxLength));
    }
}
