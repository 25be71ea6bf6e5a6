package dev.llama3j.grammar;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The grammar's pushdown matcher, run byte by byte and memoised into a lazily built automaton.
 *
 * <p>The pushdown part is llama.cpp's ({@code llama_grammar_advance_stack}/{@code accept}): a parse
 * position is a <em>stack</em> of element positions whose top is a character set, and the matcher holds
 * the set of all stacks that the text so far allows. Reading a code point keeps the stacks whose top
 * matches, moves past it and expands rule references (and the ends of rules) until every top is a
 * character set again. The empty stack means "the grammar can end here".
 *
 * <p>Stacks are interned as nodes {@code (position, parent node)} so that stacks share their bottoms,
 * and each distinct set of stacks, together with the UTF-8 bytes of a code point read so far (a token
 * may end in the middle of a character), is a <em>state</em> with a small id. Transitions
 * {@code (state, byte) -> state} are computed once and then read from a table, so walking the token
 * trie for a mask costs one array read per trie node and allocates nothing once the states it meets
 * are known. {@link #DEAD} is the state of text the grammar rejects.
 *
 * <p>Not thread-safe: each generation has its own automaton ({@link GrammarConstraint} makes one).
 * The tables grow with the states met; {@link #compact} starts them afresh from one state.
 */
final class GrammarAutomaton {
    static final int DEAD = -1;
    private static final int UNKNOWN = -2;
    private static final int BOTTOM = 0; // the empty stack (node 0): the grammar is complete

    private final Grammar grammar;
    private final int[] elements;

    // stack nodes: (position of an element, parent node); node 0 is the bottom
    private int[] nodePos;
    private int[] nodeParent;
    private int nodeCount;
    private final LongIntMap nodeIds = new LongIntMap(1024);

    // sets of stacks: sorted node ids
    private final IntBuffer setPool = new IntBuffer(1024);
    private int[] setStart = new int[64];
    private int[] setLength = new int[64];
    private int setCount;
    private final Map<SetKey, Integer> setIds = new HashMap<>();

    // states: (set, partial UTF-8 value, UTF-8 bytes still to come)
    private int[] stateSet = new int[64];
    private int[] stateUtf8 = new int[64];
    private byte[] stateLeft = new byte[64];
    private int[][] transitions = new int[64][];
    private int stateCount;
    private final LongIntMap stateIds = new LongIntMap(1024);

    // scratch for advancing (reused, grown with the node table)
    private int[] expandedMark = new int[1024];
    private int[] outputMark = new int[1024];
    private int epoch;
    private final IntBuffer output = new IntBuffer(64);

    private int start;

    GrammarAutomaton(Grammar grammar) {
        this.grammar = grammar;
        this.elements = grammar.elements;
        reset();
    }

    private void reset() {
        nodePos = new int[1024];
        nodeParent = new int[1024];
        nodeCount = 1;
        nodeIds.clear();
        setPool.clear();
        setCount = 0;
        setIds.clear();
        stateCount = 0;
        stateIds.clear();
        Arrays.fill(transitions, null);
        beginAdvance();
        for (int alt : grammar.alternatives[grammar.root]) {
            expand(alt, BOTTOM);
        }
        start = output.size() == 0 ? DEAD : state(internSet(), 0, 0);
    }

    /** The state before any text. */
    int start() {
        return start;
    }

    /** The state after reading byte {@code b} (0-255) in {@code state}, or {@link #DEAD}. */
    int next(int state, int b) {
        int[] row = transitions[state];
        if (row != null) {
            int next = row[b];
            if (next != UNKNOWN) {
                return next;
            }
        }
        return computeTransition(state, b);
    }

    /** Whether the text read so far is a whole sentence of the grammar. */
    boolean isComplete(int state) {
        if (state < 0 || stateLeft[state] != 0) {
            return false;
        }
        int set = stateSet[state];
        return setLength[set] > 0 && setPool.get(setStart[set]) == BOTTOM; // sorted: the bottom comes first
    }

    /** Whether some character may still follow (false: the sentence is complete and can only end). */
    boolean canContinue(int state) {
        if (state < 0) {
            return false;
        }
        int set = stateSet[state];
        return setLength[set] > (isComplete(state) ? 1 : 0) || stateLeft[state] != 0;
    }

    int stateCount() {
        return stateCount;
    }

    /**
     * Clears the tables, keeping only {@code state}; returns its id in the fresh tables. Ids of other
     * states become meaningless.
     */
    int compact(int state) {
        if (state < 0) {
            return state;
        }
        int set = stateSet[state];
        int utf8 = stateUtf8[state];
        int left = stateLeft[state];
        int[][] stacks = new int[setLength[set]][];
        for (int i = 0; i < stacks.length; i++) {
            IntBuffer positions = new IntBuffer();
            for (int n = setPool.get(setStart[set] + i); n != BOTTOM; n = nodeParent[n]) {
                positions.add(nodePos[n]);
            }
            stacks[i] = positions.toArray();
        }
        reset();
        beginAdvance();
        for (int[] positions : stacks) {
            int node = BOTTOM;
            for (int i = positions.length - 1; i >= 0; i--) {
                node = internNode(positions[i], node);
            }
            addOutput(node);
        }
        return state(internSet(), utf8, left);
    }

    // ------------------------------------------------------------------ transitions

    private int computeTransition(int state, int b) {
        int set = stateSet[state];
        int left = stateLeft[state];
        int value = stateUtf8[state];
        int next;
        if (left == 0) {
            if (b < 0x80) {
                next = advance(set, b);
            } else if (b >= 0xC2 && b <= 0xDF) {
                next = partial(set, b & 0x1F, 1, 0x80);
            } else if (b >= 0xE0 && b <= 0xEF) {
                next = partial(set, b & 0x0F, 2, 0x800);
            } else if (b >= 0xF0 && b <= 0xF4) {
                next = partial(set, b & 0x07, 3, 0x10000);
            } else {
                next = DEAD; // a continuation byte without a lead byte, or a byte UTF-8 never uses
            }
        } else if ((b & 0xC0) != 0x80 || overlongOrSurrogate(value, left, b)) {
            next = DEAD;
        } else {
            value = (value << 6) | (b & 0x3F);
            left--;
            if (left > 0) {
                next = partial(set, value, left, 0);
            } else if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
                next = DEAD;
            } else {
                next = advance(set, value);
            }
        }
        int[] row = transitions[state];
        if (row == null) {
            row = new int[256];
            Arrays.fill(row, UNKNOWN);
            transitions[state] = row;
        }
        row[b] = next;
        return next;
    }

    /**
     * Whether {@code b}, the second byte of a sequence, makes it an overlong encoding, a surrogate or a
     * code point past U+10FFFF (the text would decode to U+FFFD, not to what the grammar matched).
     */
    private static boolean overlongOrSurrogate(int value, int left, int b) {
        if (left == 2 && value < 0x10) { // second byte of a three-byte sequence (lead E0..EF)
            return (value == 0 && b < 0xA0) || (value == 0x0D && b > 0x9F);
        }
        if (left == 3) { // second byte of a four-byte sequence (lead F0..F4)
            return (value == 0 && b < 0x90) || (value == 4 && b > 0x8F);
        }
        return false;
    }

    /**
     * A state in the middle of a code point, if some stack accepts a code point that starts so.
     *
     * @param min the least code point a sequence of this length encodes: after a lead byte alone the
     *     bits read so far also cover overlong forms (E0 alone reads as 0..0xFFF), which never come
     */
    private int partial(int set, int value, int left, int min) {
        int from = Math.max(value << (6 * left), min);
        int to = Math.min((value << (6 * left)) + (1 << (6 * left)) - 1, 0x10FFFF);
        for (int i = 0, n = setLength[set]; i < n; i++) {
            int node = setPool.get(setStart[set] + i);
            if (node != BOTTOM && grammar.intersects(Grammar.charSetIndex(elements[nodePos[node]]), from, to)) {
                return state(set, value, left);
            }
        }
        return DEAD;
    }

    /** The state after reading code point {@code cp} with the stacks of {@code set}. */
    private int advance(int set, int cp) {
        beginAdvance();
        for (int i = 0, n = setLength[set]; i < n; i++) {
            int node = setPool.get(setStart[set] + i);
            if (node != BOTTOM) {
                int pos = nodePos[node];
                if (grammar.matches(Grammar.charSetIndex(elements[pos]), cp)) {
                    expand(pos + 1, nodeParent[node]);
                }
            }
        }
        return output.size() == 0 ? DEAD : state(internSet(), 0, 0);
    }

    private void beginAdvance() {
        epoch++;
        output.clear();
    }

    /** Adds to the output every stack that continues at {@code pos} over {@code parent} with a character set on top. */
    private void expand(int pos, int parent) {
        int node = internNode(pos, parent);
        if (expandedMark[node] == epoch) {
            return;
        }
        expandedMark[node] = epoch;
        int e = elements[pos];
        if (e == Grammar.END) {
            if (parent == BOTTOM) {
                addOutput(BOTTOM);
            } else {
                expand(nodePos[parent], nodeParent[parent]);
            }
        } else if (Grammar.isCharSet(e)) {
            addOutput(node);
        } else {
            // after the rule, continue at pos + 1; when the sequence ends there, go straight to the parent,
            // so that right recursion (x* as r ::= x r | ) does not grow the stack
            int continuation = elements[pos + 1] == Grammar.END ? parent : internNode(pos + 1, parent);
            for (int alt : grammar.alternatives[e]) {
                expand(alt, continuation);
            }
        }
    }

    private void addOutput(int node) {
        if (outputMark[node] != epoch) {
            outputMark[node] = epoch;
            output.add(node);
        }
    }

    // ------------------------------------------------------------------ interning

    private int internNode(int pos, int parent) {
        long key = ((long) pos << 32) | parent;
        int id = nodeIds.get(key);
        if (id >= 0) {
            return id;
        }
        if (nodeCount == nodePos.length) {
            nodePos = Arrays.copyOf(nodePos, nodeCount * 2);
            nodeParent = Arrays.copyOf(nodeParent, nodeCount * 2);
        }
        if (nodeCount >= expandedMark.length) {
            expandedMark = Arrays.copyOf(expandedMark, nodePos.length);
            outputMark = Arrays.copyOf(outputMark, nodePos.length);
        }
        id = nodeCount++;
        nodePos[id] = pos;
        nodeParent[id] = parent;
        nodeIds.put(key, id);
        return id;
    }

    /** Interns the current output as a set of stacks. */
    private int internSet() {
        int[] ids = output.toArray();
        Arrays.sort(ids);
        SetKey key = new SetKey(ids);
        Integer id = setIds.get(key);
        if (id != null) {
            return id;
        }
        if (setCount == setStart.length) {
            setStart = Arrays.copyOf(setStart, setCount * 2);
            setLength = Arrays.copyOf(setLength, setCount * 2);
        }
        setStart[setCount] = setPool.size();
        setLength[setCount] = ids.length;
        for (int n : ids) {
            setPool.add(n);
        }
        setIds.put(key, setCount);
        return setCount++;
    }

    private int state(int set, int utf8, int left) {
        long key = ((long) set << 20) | ((long) left << 16) | utf8;
        int id = stateIds.get(key);
        if (id >= 0) {
            return id;
        }
        if (stateCount == stateSet.length) {
            int n = stateCount * 2;
            stateSet = Arrays.copyOf(stateSet, n);
            stateUtf8 = Arrays.copyOf(stateUtf8, n);
            stateLeft = Arrays.copyOf(stateLeft, n);
            transitions = Arrays.copyOf(transitions, n);
        }
        id = stateCount++;
        stateSet[id] = set;
        stateUtf8[id] = utf8;
        stateLeft[id] = (byte) left;
        stateIds.put(key, id);
        return id;
    }

    private record SetKey(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SetKey k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}
