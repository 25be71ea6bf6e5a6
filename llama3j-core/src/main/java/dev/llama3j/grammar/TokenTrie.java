package dev.llama3j.grammar;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * The vocabulary's token byte strings as a trie, built once per tokenizer and shared by every
 * constrained generation (immutable).
 *
 * <p>Nodes are stored in depth-first order with each node's depth and the end of its subtree, so
 * that a mask is one forward scan: a node whose prefix the grammar rejects skips its whole subtree,
 * and the automaton state of a node's parent is at {@code states[depth - 1]}. Special (control) tokens
 * are not in the trie: a grammar never produces them; the end-of-generation ids are handled by
 * {@link GrammarConstraint}.
 */
public final class TokenTrie {
    private final int vocabSize;
    private final byte[] label;
    private final int[] depth;
    private final int[] subtreeEnd;
    /** The first token whose bytes end at the node, or -1; more in {@link #nextToken}. */
    private final int[] firstToken;
    private final int[] nextToken;
    private final int maxDepth;
    /** The bytes of each token in the trie ({@code bytes[byteStart[id]..byteStart[id + 1]]}). */
    private final byte[] bytes;
    private final int[] byteStart;

    private TokenTrie(byte[][] tokens) {
        vocabSize = tokens.length;
        Integer[] order = new Integer[tokens.length];
        int count = 0;
        long totalBytes = 0;
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null && tokens[id].length > 0) {
                order[count++] = id;
                totalBytes += tokens[id].length;
            }
        }
        Integer[] ids = Arrays.copyOf(order, count);
        Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(tokens[a], tokens[b]));

        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes + 1);
        byte[] lab = new byte[capacity];
        int[] dep = new int[capacity];
        int[] end = new int[capacity];
        int[] first = new int[capacity];
        Arrays.fill(first, -1);
        nextToken = new int[tokens.length];
        Arrays.fill(nextToken, -1);
        int longest = 0;
        for (byte[] t : tokens) {
            longest = Math.max(longest, t == null ? 0 : t.length);
        }
        int[] path = new int[longest + 1]; // path[d]: the open node at depth d
        int nodes = 1;
        int pathLength = 0; // depth of the deepest open node
        byte[] previous = new byte[0];
        for (int id : ids) {
            byte[] t = tokens[id];
            int common = Arrays.mismatch(previous, t);
            if (common < 0) {
                common = t.length; // same bytes as the previous token
            }
            for (int d = pathLength; d > common; d--) {
                end[path[d]] = nodes; // close the nodes below the shared prefix
            }
            for (int d = common + 1; d <= t.length; d++) {
                lab[nodes] = t[d - 1];
                dep[nodes] = d;
                path[d] = nodes++;
            }
            pathLength = t.length;
            int node = path[t.length];
            if (first[node] < 0) {
                first[node] = id;
            } else {
                int last = first[node];
                while (nextToken[last] >= 0) {
                    last = nextToken[last];
                }
                nextToken[last] = id;
            }
            previous = t;
        }
        for (int d = pathLength; d >= 1; d--) {
            end[path[d]] = nodes;
        }
        end[0] = nodes;
        label = Arrays.copyOf(lab, nodes);
        depth = Arrays.copyOf(dep, nodes);
        subtreeEnd = Arrays.copyOf(end, nodes);
        firstToken = Arrays.copyOf(first, nodes);
        maxDepth = longest;

        byteStart = new int[tokens.length + 1];
        bytes = new byte[(int) totalBytes];
        for (int id = 0, at = 0; id < tokens.length; id++) {
            byteStart[id] = at;
            if (tokens[id] != null) {
                System.arraycopy(tokens[id], 0, bytes, at, tokens[id].length);
                at += tokens[id].length;
            }
            byteStart[id + 1] = at;
        }
    }

    /**
     * A trie of the given byte strings, indexed by token id; a null or empty entry is a token that is
     * never allowed (a special token, or an id the vocabulary does not use).
     */
    public static TokenTrie of(byte[][] tokenBytes) {
        return new TokenTrie(tokenBytes);
    }

    /** The trie of a tokenizer's vocabulary; special tokens left out. */
    public static TokenTrie of(Tokenizer tokenizer) {
        byte[][] tokens = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < tokens.length; id++) {
            if (!tokenizer.isSpecial(id)) {
                try {
                    tokens[id] = tokenizer.tokenBytes(id);
                } catch (InvalidRequestException unusedId) {
                    tokens[id] = null; // a hole in the id range: no token has this id
                }
            }
        }
        return new TokenTrie(tokens);
    }

    /** One past the largest token id. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The number of trie nodes (the root included). */
    public int nodeCount() {
        return label.length;
    }

    int maxDepth() {
        return maxDepth;
    }

    /** Whether the token is in the trie (not special, not a hole). */
    boolean contains(int id) {
        return byteStart[id + 1] > byteStart[id];
    }

    /** Feeds the token's bytes to the automaton from {@code state}; the resulting state or DEAD. */
    int walk(GrammarAutomaton automaton, int state, int id) {
        int s = state;
        for (int i = byteStart[id], end = byteStart[id + 1]; i < end && s >= 0; i++) {
            s = automaton.next(s, bytes[i] & 0xFF);
        }
        return s;
    }

    /**
     * Sets the bit of every token whose bytes the automaton accepts from {@code state} (the mask is
     * not cleared first). {@code states} is scratch of at least {@link #maxDepth()} + 1 entries.
     */
    void fillAllowed(GrammarAutomaton automaton, int state, int[] states, long[] mask) {
        states[0] = state;
        int n = label.length;
        int i = 1;
        while (i < n) {
            int d = depth[i];
            int s = automaton.next(states[d - 1], label[i] & 0xFF);
            if (s < 0) {
                i = subtreeEnd[i]; // no token with this prefix can follow
                continue;
            }
            states[d] = s;
            for (int t = firstToken[i]; t >= 0; t = nextToken[t]) {
                mask[t >>> 6] |= 1L << t;
            }
            i++;
        }
    }
}
