package dev.llama3j.grammar;

import java.util.Arrays;
import java.util.List;

/**
 * A parsed grammar, compiled to the flat form the matcher walks (as llama.cpp's
 * {@code llama_grammar}): every rule's alternatives are sequences of elements laid out one after the
 * other in {@link #elements}, each sequence closed by {@link #END}. An element is a rule reference
 * (the rule's id, {@code >= 0}), a character set ({@code -2 - setIndex}) or {@link #END}. Repetitions
 * and groups were turned into generated rules by the parser, so the matcher sees only these three.
 *
 * <p>Immutable: one instance can serve any number of concurrent generations.
 */
public final class Grammar {
    /** Closes one alternative. */
    static final int END = -1;

    final int[] elements;
    /** Per rule, the start index in {@link #elements} of each alternative. */
    final int[][] alternatives;
    /** Per character set, sorted disjoint inclusive code point ranges {@code lo0, hi0, lo1, hi1, ...}. */
    final int[][] charSets;
    final String[] ruleNames;
    final int root;

    Grammar(int[] elements, int[][] alternatives, int[][] charSets, String[] ruleNames, int root) {
        this.elements = elements;
        this.alternatives = alternatives;
        this.charSets = charSets;
        this.ruleNames = ruleNames;
        this.root = root;
    }

    /** Parses GBNF text (llama.cpp's grammar syntax); errors give the line and column. */
    public static Grammar parse(String gbnf) {
        return new GbnfParser(gbnf).parse();
    }

    /** The rule names, written ones first, then those the parser generated for groups and repetitions. */
    public List<String> ruleNames() {
        return List.of(ruleNames);
    }

    static boolean isCharSet(int element) {
        return element <= -2;
    }

    static int charSetIndex(int element) {
        return -2 - element;
    }

    /** Whether character set {@code set} contains {@code cp}. */
    boolean matches(int set, int cp) {
        int[] r = charSets[set];
        int lo = 0;
        int hi = r.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < r[2 * mid]) {
                hi = mid - 1;
            } else if (cp > r[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Whether character set {@code set} contains any code point in {@code [from, to]}. */
    boolean intersects(int set, int from, int to) {
        int[] r = charSets[set];
        for (int i = 0; i < r.length; i += 2) {
            if (r[i] <= to && r[i + 1] >= from) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Grammar" + Arrays.toString(ruleNames);
    }
}
