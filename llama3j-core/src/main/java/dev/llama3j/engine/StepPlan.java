package dev.llama3j.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What one engine step does, as plain data: the sequences that were cancelled and left their slots,
 * then one entry per sequence that runs (a decode token, or a chunk of its prompt) with the positions
 * it feeds. The ids to feed are in the entry's slot ({@link Slot#tokens}). Entries that want logits
 * get rows of the forward pass's output in entry order ({@link #row}). The {@link Scheduler} fills it;
 * it is reused from step to step, so planning allocates nothing per token.
 */
final class StepPlan {
    /** Sequences cancelled since the last step: already out of their slots, still to be finished. */
    final List<Sequence> cancelled = new ArrayList<>();
    private final Sequence[] sequences;
    private final int[] starts;
    private final int[] counts;
    private final boolean[] logits;
    private final Sequence[] rows;
    private int size;
    private int tokens;
    private int decodes;
    private int outputs;

    /** @param maxEntries the most sequences one step can run: the number of slots */
    StepPlan(int maxEntries) {
        sequences = new Sequence[maxEntries];
        starts = new int[maxEntries];
        counts = new int[maxEntries];
        logits = new boolean[maxEntries];
        rows = new Sequence[maxEntries];
    }

    void clear() {
        cancelled.clear();
        for (int i = 0; i < size; i++) {
            sequences[i] = null;
        }
        for (int i = 0; i < outputs; i++) {
            rows[i] = null;
        }
        size = 0;
        tokens = 0;
        decodes = 0;
        outputs = 0;
    }

    /** Adds the generated token a sequence feeds next, at {@code position}; it wants logits. */
    void addDecode(Sequence s, int position) {
        add(s, position, 1, true);
        decodes++;
    }

    /** Adds {@code count} prompt tokens from {@code start}; the prompt's last token wants logits. */
    void addPrefill(Sequence s, int start, int count, boolean reachesEnd) {
        add(s, start, count, reachesEnd);
    }

    private void add(Sequence s, int start, int count, boolean wantLogits) {
        sequences[size] = s;
        starts[size] = start;
        counts[size] = count;
        logits[size] = wantLogits;
        size++;
        tokens += count;
        if (wantLogits) {
            rows[outputs++] = s;
        }
    }

    /** True when no sequence runs this step (there may still be cancellations to report). */
    boolean isEmpty() {
        return size == 0;
    }

    /** Entries (sequences that run this step). */
    int size() {
        return size;
    }

    Sequence sequence(int entry) {
        return sequences[entry];
    }

    /** The first position the entry feeds. */
    int start(int entry) {
        return starts[entry];
    }

    /** How many consecutive positions the entry feeds. */
    int count(int entry) {
        return counts[entry];
    }

    /** Whether the entry's last token wants logits. */
    boolean wantsLogits(int entry) {
        return logits[entry];
    }

    /** Tokens in the step's batch. */
    int tokens() {
        return tokens;
    }

    /** Entries that feed a generated token; they come first. */
    int decodes() {
        return decodes;
    }

    /** Logits rows the forward pass writes. */
    int outputs() {
        return outputs;
    }

    /** The sequence whose logits are in row {@code r}. */
    Sequence row(int r) {
        return rows[r];
    }
}
