package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GrammarConstraintTest {
    /** A small vocabulary: single bytes, words, pieces of JSON, and characters split into their bytes. */
    static final String[] WORDS = {"{", "}", "[", "]", "\"", ":", ",", " ", "\n", "\t", "\\", "-", ".", "e", "E", "+",
        "0", "1", "2", "5", "9", "a", "b", "c", "x", "y", "z", "n", "u", "t", "r", "f", "l", "s", "T", "Z", "A", "F",
        "true", "false", "null", "{\"", "\":", "\": ", ", \"", "\"}", "\"]", "[{", "}]", "},", "12", "3.", "-1", "e+",
        "ab", "abc", "\\u00", "\\n", "é", "日本", "😀", "  ", "\n  ", "\"a", "\"b\""};
    static final int END = 0;

    /** Token 0 is the end id; 1 is a special token (no bytes); then the words and three lone bytes. */
    static byte[][] vocabulary() {
        List<byte[]> tokens = new ArrayList<>();
        tokens.add(null);
        tokens.add(null);
        for (String w : WORDS) {
            tokens.add(w.getBytes(StandardCharsets.UTF_8));
        }
        tokens.add(new byte[] {(byte) 0xC3}); // é = C3 A9, split
        tokens.add(new byte[] {(byte) 0xA9});
        tokens.add(new byte[] {(byte) 0xF0, (byte) 0x9F}); // 😀 = F0 9F 98 80, split
        tokens.add(new byte[] {(byte) 0x98, (byte) 0x80});
        tokens.add(new byte[] {(byte) 0x80});
        return tokens.toArray(new byte[0][]);
    }

    @Test
    void maskEqualsBruteForceAlongRandomWalks() {
        byte[][] vocab = vocabulary();
        TokenTrie trie = TokenTrie.of(vocab);
        for (String g : new String[] {SampleGrammars.JSON, SampleGrammars.ARITHMETIC, SampleGrammars.LIST,
                "root ::= [\u00e9\u65e5\u672c]+ \"😀\"?\n"}) {
            Grammar grammar = Grammar.parse(g);
            Random random = new Random(7);
            for (int walk = 0; walk < 20; walk++) {
                GrammarConstraint c = new GrammarConstraint(grammar, trie, END);
                GrammarMatcher reference = GrammarMatcher.of(grammar);
                long[] mask = new long[c.maskWords()];
                for (int step = 0; step < 60 && !c.hasEnded(); step++) {
                    c.allowed(mask);
                    List<Integer> allowed = new ArrayList<>();
                    for (int id = 0; id < vocab.length; id++) {
                        boolean expected = id == END ? reference.isComplete()
                                : vocab[id] != null && reference.copy().acceptBytes(vocab[id], 0, vocab[id].length);
                        boolean got = (mask[id >>> 6] & (1L << id)) != 0;
                        assertEquals(expected, got, "token " + id + " at step " + step + " of " + g);
                        assertEquals(expected, c.isAllowed(id));
                        if (got) {
                            allowed.add(id);
                        }
                    }
                    if (allowed.isEmpty()) {
                        // A dead end of this small vocabulary under a bounded repetition (no token
                        // fits what is left): the brute force agreed above, so the walk stops here.
                        break;
                    }
                    int pick = allowed.get(random.nextInt(allowed.size()));
                    c.accept(pick);
                    if (pick != END) {
                        assertTrue(reference.acceptBytes(vocab[pick], 0, vocab[pick].length));
                    }
                }
            }
        }
    }

    @Test
    void restartedTablesGiveTheSameMasks() {
        byte[][] vocab = vocabulary();
        TokenTrie trie = TokenTrie.of(vocab);
        Grammar g = Grammar.parse(SampleGrammars.JSON);
        GrammarConstraint big = new GrammarConstraint(g, trie, END);
        GrammarConstraint small = new GrammarConstraint(4, g, trie, END); // restarts after nearly every token
        long[] a = new long[big.maskWords()];
        long[] b = new long[small.maskWords()];
        Random random = new Random(3);
        for (int step = 0; step < 300 && !big.hasEnded(); step++) {
            big.allowed(a);
            small.allowed(b);
            assertArrayEquals(a, b, "step " + step);
            List<Integer> allowed = new ArrayList<>();
            for (int id = 1; id < vocab.length; id++) {
                if ((a[id >>> 6] & (1L << id)) != 0) {
                    allowed.add(id);
                }
            }
            int pick = allowed.isEmpty() ? END : allowed.get(random.nextInt(allowed.size()));
            big.accept(pick);
            small.accept(pick);
        }
    }

    @Test
    void endIdOnlyWhenCompleteAndOnlyEndWhenClosed() {
        Grammar g = Grammar.parse("root ::= \"ab\"\n");
        TokenTrie trie = TokenTrie.of(new byte[][] {null, "a".getBytes(), "b".getBytes(), "ab".getBytes()});
        GrammarConstraint c = new GrammarConstraint(g, trie, 0);
        long[] mask = new long[c.maskWords()];
        c.allowed(mask);
        assertEquals(0b1010L, mask[0]); // "a", "ab"
        c.accept(1);
        c.allowed(mask);
        assertEquals(0b0100L, mask[0]); // "b"
        c.accept(2);
        assertTrue(c.mustEnd());
        c.allowed(mask);
        assertEquals(0b0001L, mask[0]); // only the end id
        c.accept(0);
        assertTrue(c.hasEnded());
        c.allowed(mask);
        assertEquals(0L, mask[0]);
        assertThrows(IllegalStateException.class, () -> c.accept(1));
        c.reset();
        assertTrue(c.isAllowed(3));
    }

    @Test
    void rejectedTokenIsAnError() {
        GrammarConstraint c = new GrammarConstraint(Grammar.parse("root ::= \"a\"\n"),
                TokenTrie.of(new byte[][] {null, "a".getBytes(), "b".getBytes()}), 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.accept(2));
        assertTrue(e.getMessage().contains("token 2 is not allowed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.allowed(new long[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new GrammarConstraint(Grammar.parse("root ::= \"a\"\n"), TokenTrie.of(new byte[1][]), 5));
    }

    @Test
    void tokenEndingInsideACharacter() {
        Grammar g = Grammar.parse("root ::= \"é\"\n");
        TokenTrie trie = TokenTrie.of(new byte[][] {null, {(byte) 0xC3}, {(byte) 0xA9}, {(byte) 0xA8}});
        GrammarConstraint c = new GrammarConstraint(g, trie, 0);
        long[] mask = new long[1];
        c.allowed(mask);
        assertEquals(0b0010L, mask[0]);
        c.accept(1);
        assertFalse(c.isComplete());
        c.allowed(mask);
        assertEquals(0b0100L, mask[0]); // A9 completes é; A8 would be è
        c.accept(2);
        assertTrue(c.isComplete());
    }
}
