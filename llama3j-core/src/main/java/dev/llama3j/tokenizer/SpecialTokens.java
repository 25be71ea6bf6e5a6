package dev.llama3j.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Finds added tokens ({@code <|eot_id|>} and the like) in text: at each position the longest token
 * that starts there, scanning left to right, as Hugging Face's added-vocabulary split does. Special
 * tokens are found only where the caller allows them; non-special added tokens (none in Llama 3)
 * are always found, as in Hugging Face.
 */
final class SpecialTokens {
    /** A trie node over UTF-16 chars; {@code id} is -1 where no token ends. */
    private static final class Node {
        final char[] labels;
        final Node[] children;
        final int id;
        final boolean special;

        Node(char[] labels, Node[] children, int id, boolean special) {
            this.labels = labels;
            this.children = children;
            this.id = id;
            this.special = special;
        }

        Node child(char c) {
            int i = Arrays.binarySearch(labels, c);
            return i >= 0 ? children[i] : null;
        }
    }

    /** Where {@link #find} found a token: its id and the char range it covers. */
    static final class Match {
        int id;
        int start;
        int end;
    }

    private final Node root;
    private final boolean empty;

    /**
     * @param contents the added tokens' texts, by id (null where an id is not an added token)
     * @param special which of them are special
     */
    SpecialTokens(String[] contents, boolean[] special) {
        Builder b = new Builder();
        boolean any = false;
        for (int id = 0; id < contents.length; id++) {
            if (contents[id] != null && !contents[id].isEmpty()) {
                b.add(contents[id], id, special[id]);
                any = true;
            }
        }
        root = b.build();
        empty = !any;
    }

    boolean isEmpty() {
        return empty;
    }

    /**
     * Finds the first added token in {@code text[from, to)}, skipping special tokens at positions where
     * {@code specialAllowedAt} is false (a null predicate allows none). Returns false if there is none.
     */
    boolean find(String text, int from, int to, IntPredicate specialAllowedAt, Match match) {
        for (int i = from; i < to; i++) {
            Node node = root.child(text.charAt(i));
            if (node == null) {
                continue;
            }
            boolean specialOk = specialAllowedAt != null && specialAllowedAt.test(i);
            int bestId = -1;
            int bestEnd = -1;
            int j = i + 1;
            while (true) {
                if (node.id >= 0 && (specialOk || !node.special)) {
                    bestId = node.id;
                    bestEnd = j;
                }
                if (j >= to) {
                    break;
                }
                node = node.child(text.charAt(j));
                if (node == null) {
                    break;
                }
                j++;
            }
            if (bestId >= 0) {
                match.id = bestId;
                match.start = i;
                match.end = bestEnd;
                return true;
            }
        }
        return false;
    }

    /** Collects tokens in a mutable trie, then freezes it into sorted arrays. */
    private static final class Builder {
        private final TreeMap<Character, Builder> children = new TreeMap<>();
        private int id = -1;
        private boolean special;

        void add(String text, int tokenId, boolean isSpecial) {
            Builder node = this;
            for (int i = 0; i < text.length(); i++) {
                node = node.children.computeIfAbsent(text.charAt(i), c -> new Builder());
            }
            node.id = tokenId;
            node.special = isSpecial;
        }

        Node build() {
            char[] labels = new char[children.size()];
            Node[] nodes = new Node[children.size()];
            int k = 0;
            for (Map.Entry<Character, Builder> e : children.entrySet()) {
                labels[k] = e.getKey();
                nodes[k++] = e.getValue().build();
            }
            return new Node(labels, nodes, id, special);
        }
    }
}
