package dev.llama3j.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The examples of one data file, in file order.
 *
 * @param file where they come from
 * @param examples the examples, each with at least one target token
 * @param truncated how many were longer than the maximum sequence length and were cut
 * @param dropped how many were left out because nothing to learn remained after cutting
 */
public record TrainingSet(Path file, List<TrainingExample> examples, int truncated, int dropped) {
    public int size() {
        return examples.size();
    }

    /** Tokens over all examples. */
    public long tokens() {
        long n = 0;
        for (TrainingExample e : examples) {
            n += e.length();
        }
        return n;
    }

    /** Tokens of the longest example (at least 2): what a run over this set allocates activations for. */
    public int longest() {
        int max = 2;
        for (TrainingExample e : examples) {
            max = Math.max(max, e.length());
        }
        return max;
    }
}
