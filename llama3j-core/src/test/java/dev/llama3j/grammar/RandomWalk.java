package dev.llama3j.grammar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates sentences of a grammar as a model under the constraint would: from a small vocabulary
 * (every printable ASCII character, some words, characters split into UTF-8 bytes), picking a random
 * allowed token at each step until the end token is picked. Whitespace-only tokens are picked less
 * often, and closing brackets, quotes, ';', '=' and line ends more often, so that sentences stay short.
 */
final class RandomWalk {
    static final int END = 0;
    private final byte[][] vocab;
    private final TokenTrie trie;

    RandomWalk() {
        List<byte[]> tokens = new ArrayList<>();
        tokens.add(null); // the end id
        for (int c = 0x20; c < 0x7F; c++) {
            tokens.add(new byte[] {(byte) c});
        }
        tokens.add("\n".getBytes(StandardCharsets.UTF_8));
        tokens.add("\t".getBytes(StandardCharsets.UTF_8));
        byte[][] small = GrammarConstraintTest.vocabulary();
        for (byte[] t : small) {
            if (t != null && t.length > 1) {
                tokens.add(t);
            }
        }
        tokens.add(new byte[] {(byte) 0xC3}); // é split
        tokens.add(new byte[] {(byte) 0xA9});
        tokens.add(new byte[] {(byte) 0xF0, (byte) 0x9F}); // 😀 split
        tokens.add(new byte[] {(byte) 0x98, (byte) 0x80});
        vocab = tokens.toArray(new byte[0][]);
        trie = TokenTrie.of(vocab);
    }

    /** One sentence; fails if the constraint allows nothing or the walk runs past {@code maxTokens}. */
    String generate(Grammar grammar, long seed, int maxTokens) {
        Random random = new Random(seed);
        GrammarConstraint c = new GrammarConstraint(grammar, trie, END);
        long[] mask = new long[c.maskWords()];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> allowed = new ArrayList<>();
        List<Integer> punctuation = new ArrayList<>();
        for (int step = 0; step < maxTokens; step++) {
            c.allowed(mask);
            if ((mask[0] & 1L) != 0 && (c.mustEnd() || random.nextDouble() < 0.6)) {
                c.accept(END);
                return out.toString(StandardCharsets.UTF_8);
            }
            allowed.clear();
            for (int id = 1; id < vocab.length; id++) {
                if ((mask[id >>> 6] & (1L << id)) != 0) {
                    allowed.add(id);
                }
            }
            if (allowed.isEmpty()) {
                throw new AssertionError("no token allowed after '" + out.toString(StandardCharsets.UTF_8) + "'");
            }
            punctuation.clear();
            for (int id : allowed) {
                if (vocab[id].length == 1 && isPunctuation(vocab[id][0])) {
                    punctuation.add(id);
                }
            }
            // closers more often as the text grows, so that walks end
            boolean close = !punctuation.isEmpty() && random.nextDouble() < (step < 100 ? 0.2 : 0.7);
            int pick = close ? punctuation.get(random.nextInt(punctuation.size()))
                    : allowed.get(random.nextInt(allowed.size()));
            if (isBlank(vocab[pick]) && allowed.size() > 1 && random.nextDouble() < 0.9) {
                pick = allowed.get(random.nextInt(allowed.size())); // whitespace: usually pick again
            }
            c.accept(pick);
            out.writeBytes(vocab[pick]);
        }
        throw new AssertionError("walk did not finish in " + maxTokens + " tokens: '"
                + out.toString(StandardCharsets.UTF_8) + "'");
    }

    /** Bytes that close something or end a statement or line. */
    private static boolean isPunctuation(byte b) {
        return "}])\";=\n".indexOf(b) >= 0;
    }

    private static boolean isBlank(byte[] token) {
        for (byte b : token) {
            if (b != ' ' && b != '\n' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
