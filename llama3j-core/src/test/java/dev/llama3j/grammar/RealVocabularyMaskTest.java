package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

/** The mask over Llama 3.1's 128,256 tokens, checked token by token, and how long it takes. */
class RealVocabularyMaskTest {

    @Test
    void jsonMaskMatchesTokenByTokenCheck() {
        Tokenizer tokenizer = Tokenizer.load(Fixtures.tokenizerDir());
        long t0 = System.nanoTime();
        TokenTrie trie = TokenTrie.of(tokenizer);
        long built = System.nanoTime() - t0;
        int eot = tokenizer.specialId("<|eot_id|>").orElseThrow();
        Grammar json = Grammar.parse(SampleGrammars.JSON);
        GrammarConstraint c = new GrammarConstraint(json, trie, eot);
        long[] mask = new long[c.maskWords()];
        System.out.printf("token trie: %d tokens, %d nodes, built in %.1f ms%n", trie.vocabSize(), trie.nodeCount(),
                built / 1e6);

        String[] prefixes = {"", "{\"na", "{\"name\": ", "{\"name\": \"caf\u00e9", "{\"a\": [1, 2.5", "{\"a\": {}}"};
        for (String prefix : prefixes) {
            c.reset();
            for (int id : tokenizer.encode(prefix, false)) {
                c.accept(id);
            }
            c.allowed(mask); // warm: the first mask in a new place computes the transitions it meets
            int runs = 20;
            long start = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                c.allowed(mask);
            }
            double ms = (System.nanoTime() - start) / 1e6 / runs;
            int count = 0;
            GrammarMatcher reference = GrammarMatcher.of(json);
            assertTrue(reference.acceptString(prefix));
            for (int id = 0; id < tokenizer.vocabSize(); id++) {
                boolean got = (mask[id >>> 6] & (1L << id)) != 0;
                boolean expected;
                if (id == eot) {
                    expected = reference.isComplete();
                } else if (tokenizer.isSpecial(id)) {
                    expected = false;
                } else {
                    byte[] b = tokenizer.tokenBytes(id);
                    expected = reference.copy().acceptBytes(b, 0, b.length);
                }
                assertEquals(expected, got, "token " + id + " " + tokenizer.piece(id) + " after '" + prefix + "'");
                count += got ? 1 : 0;
            }
            System.out.printf("JSON mask after %-28s %6d tokens allowed, %.3f ms per mask%n", "'" + prefix + "':", count,
                    ms);
            assertFalse(count == 0);
        }
    }
}
