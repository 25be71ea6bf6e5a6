package dev.llama3j.grammar;

import java.nio.charset.StandardCharsets;

/**
 * A position in a grammar: feed it code points (or the UTF-8 bytes of tokens, which may end in the
 * middle of a character) and ask whether the text so far is complete. A rejected input leaves the
 * position unchanged. {@link #copy} is cheap (the position is one int); copies share their automaton's
 * tables, so a matcher and its copies belong to one thread.
 */
public final class GrammarMatcher {
    private final GrammarAutomaton automaton;
    private int state;

    private GrammarMatcher(GrammarAutomaton automaton, int state) {
        this.automaton = automaton;
        this.state = state;
    }

    /** A matcher at the start of {@code grammar}. */
    public static GrammarMatcher of(Grammar grammar) {
        GrammarAutomaton automaton = new GrammarAutomaton(grammar);
        return new GrammarMatcher(automaton, automaton.start());
    }

    /** Reads one code point; false (and no change) if the grammar does not allow it here. */
    public boolean acceptCodePoint(int cp) {
        if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false; // not a character UTF-8 can carry
        }
        byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        return acceptBytes(utf8, 0, utf8.length);
    }

    /** Reads all of {@code text}; false (and no change) if the grammar rejects it. */
    public boolean acceptString(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return acceptBytes(utf8, 0, utf8.length);
    }

    /** Reads UTF-8 bytes, which may start or end inside a character; false (and no change) if rejected. */
    public boolean acceptBytes(byte[] bytes, int from, int to) {
        int s = state;
        for (int i = from; i < to && s >= 0; i++) {
            s = automaton.next(s, bytes[i] & 0xFF);
        }
        if (s < 0) {
            return false;
        }
        state = s;
        return true;
    }

    /** Whether the text read so far is a whole sentence of the grammar (generation may end here). */
    public boolean isComplete() {
        return automaton.isComplete(state);
    }

    /** Whether anything may still be appended; false when the sentence is complete and closed. */
    public boolean canContinue() {
        return automaton.canContinue(state);
    }

    /** An independent position, starting where this one is. */
    public GrammarMatcher copy() {
        return new GrammarMatcher(automaton, state);
    }

    GrammarAutomaton automaton() {
        return automaton;
    }

    int state() {
        return state;
    }
}
