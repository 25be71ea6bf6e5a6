package dev.llama3j.grammar;

import java.util.Arrays;

/**
 * What the sampler asks of a grammar during one generation: which token ids may come next
 * ({@link #allowed}), and that a token was chosen ({@link #accept}).
 *
 * <p>A token is allowed when its bytes can be appended to the text so far and the result is still the
 * start of a sentence of the grammar (a token may span several grammar symbols, or end inside a UTF-8
 * character). The end-of-generation ids are allowed exactly when the text is a whole sentence; other
 * special tokens never are. When nothing may follow a complete sentence, only the end ids are allowed.
 *
 * <p>One instance per generation, used from one thread; the {@link Grammar} and {@link TokenTrie} it
 * reads are shared. It allocates nothing per token once the grammar states it meets are known.
 */
public final class GrammarConstraint {
    /** Above this many automaton states the tables start afresh (up to 1 KiB of table per state). */
    static final int MAX_STATES = 1 << 14;

    private final Grammar grammar;
    private final TokenTrie trie;
    private final int[] endIds;
    private final int[] scratchStates;
    private final int maxStates;
    private GrammarAutomaton automaton;
    private int state;
    private boolean ended;

    /**
     * @param endIds the ids that end generation (e.g. {@code <|eot_id|>}, {@code <|eom_id|>}); at least one
     */
    public GrammarConstraint(Grammar grammar, TokenTrie trie, int... endIds) {
        this(MAX_STATES, grammar, trie, endIds);
    }

    /** With a given bound on the automaton's states (tests use a small one to exercise the restart). */
    GrammarConstraint(int maxStates, Grammar grammar, TokenTrie trie, int... endIds) {
        if (endIds.length == 0) {
            throw new IllegalArgumentException("a grammar constraint needs at least one end-of-generation id");
        }
        for (int id : endIds) {
            if (id < 0 || id >= trie.vocabSize()) {
                throw new IllegalArgumentException("end id " + id + " is outside the vocabulary of "
                        + trie.vocabSize() + " tokens");
            }
        }
        this.grammar = grammar;
        this.trie = trie;
        this.endIds = endIds.clone();
        this.scratchStates = new int[trie.maxDepth() + 1];
        this.maxStates = maxStates;
        reset();
    }

    /** Back to the start of the grammar, for a new generation (the automaton's tables stay warm). */
    public void reset() {
        if (automaton == null) {
            automaton = new GrammarAutomaton(grammar);
        }
        state = automaton.start();
        ended = false;
    }

    /** The number of {@code long} words a mask needs: one bit per token id. */
    public int maskWords() {
        return (trie.vocabSize() + 63) >>> 6;
    }

    /** Clears {@code mask} and sets the bit ({@code mask[id >>> 6] & 1L << id}) of every allowed token. */
    public void allowed(long[] mask) {
        if (mask.length < maskWords()) {
            throw new IllegalArgumentException("mask has " + mask.length + " words; the vocabulary needs "
                    + maskWords());
        }
        Arrays.fill(mask, 0L);
        if (ended) {
            return;
        }
        trie.fillAllowed(automaton, state, scratchStates, mask);
        if (automaton.isComplete(state)) {
            for (int id : endIds) {
                mask[id >>> 6] |= 1L << id;
            }
        }
    }

    /** Whether one token may come next (cheaper than a whole mask when the sampler checks its pick first). */
    public boolean isAllowed(int tokenId) {
        if (ended || tokenId < 0 || tokenId >= trie.vocabSize()) {
            return false;
        }
        if (isEndId(tokenId)) {
            return automaton.isComplete(state);
        }
        return trie.contains(tokenId) && trie.walk(automaton, state, tokenId) >= 0;
    }

    /**
     * Moves past a sampled token.
     *
     * @throws IllegalStateException if the token is not allowed here (the sampler ignored the mask)
     */
    public void accept(int tokenId) {
        if (!isAllowed(tokenId)) {
            throw new IllegalStateException("token " + tokenId + " is not allowed by the grammar here"
                    + (ended ? " (generation already ended)" : ""));
        }
        if (isEndId(tokenId)) {
            ended = true;
            return;
        }
        state = trie.walk(automaton, state, tokenId);
        if (automaton.stateCount() > maxStates) {
            state = automaton.compact(state);
        }
    }

    /** Whether the text so far is a whole sentence of the grammar (the end ids are allowed). */
    public boolean isComplete() {
        return !ended && automaton.isComplete(state);
    }

    /** Whether the sentence is complete and nothing may follow: the caller can end without sampling. */
    public boolean mustEnd() {
        return !ended && automaton.isComplete(state) && !automaton.canContinue(state);
    }

    /** Whether an end id has been accepted. */
    public boolean hasEnded() {
        return ended;
    }

    private boolean isEndId(int tokenId) {
        for (int id : endIds) {
            if (id == tokenId) {
                return true;
            }
        }
        return false;
    }
}
