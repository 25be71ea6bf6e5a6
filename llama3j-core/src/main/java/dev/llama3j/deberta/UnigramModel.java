package dev.llama3j.deberta;

import dev.llama3j.tokenizer.IntList;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Unigram language model over pieces: the best segmentation of a string is the one whose pieces'
 * scores (log probabilities) add up highest, found by Viterbi over a lattice of every piece that starts
 * at every position. A position that no one-character piece covers gets an unknown node scored
 * {@code min score - 10}, as sentencepiece and Hugging Face tokenizers do; consecutive unknowns fuse
 * into one {@code unk} id, or with byte fallback become the pieces {@code <0xXX>} of their UTF-8 bytes.
 */
final class UnigramModel {
    private static final float UNK_PENALTY = 10.0f;

    private final float[] scores;
    /**
     * Whether path sums are rounded to float, as sentencepiece does over a whole text (tokenizers sums
     * in double, word by word): near ties ("!" + "!!" against "!!" + "!") then fall the same way.
     */
    private final boolean floatSums;
    private final int unkId;
    private final boolean byteFallback;
    private final float unkScore;
    /** Piece ids of {@code <0x00>..<0xFF>}, or -1 where absent. */
    private final int[] byteIds = new int[256];
    private final Trie trie;

    /**
     * @param matchable which pieces the lattice may use (sentencepiece leaves out control, unknown,
     *                  unused and byte pieces; tokenizers' Unigram uses its whole vocabulary)
     */
    UnigramModel(List<String> pieces, float[] scores, boolean[] matchable, int unkId, boolean byteFallback,
            boolean floatSums) {
        this.scores = scores;
        this.floatSums = floatSums;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        Arrays.fill(byteIds, -1);
        float min = Float.MAX_VALUE;
        trie = new Trie();
        for (int id = 0; id < pieces.size(); id++) {
            String p = pieces.get(id);
            if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
                try {
                    byteIds[Integer.parseInt(p.substring(3, 5), 16)] = id;
                } catch (NumberFormatException ignored) {
                    // an ordinary piece that looks a little like a byte
                }
            }
            if (matchable[id] && !p.isEmpty()) {
                trie.add(p, id);
                min = Math.min(min, scores[id]);
            }
        }
        unkScore = (min == Float.MAX_VALUE ? 0 : min) - UNK_PENALTY;
        trie.freeze();
    }

    int unkId() {
        return unkId;
    }

    /** Appends the ids of the best segmentation of {@code s} to {@code out}. */
    void encode(String s, IntList out) {
        int n = s.length();
        if (n == 0) {
            return;
        }
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] via = new int[n + 1];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        Arrays.fill(from, -1);
        best[0] = 0;
        for (int start = 0; start < n; start = s.offsetByCodePoints(start, 1)) {
            if (best[start] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            int charEnd = start + Character.charCount(s.codePointAt(start));
            boolean single = false;
            int node = Trie.ROOT;
            for (int i = start; i < n; i++) {
                node = trie.child(node, s.charAt(i));
                if (node < 0) {
                    break;
                }
                int id = trie.value(node);
                if (id >= 0) {
                    int end = i + 1;
                    double score = sum(best[start], scores[id]);
                    if (from[end] < 0 || score > best[end]) {
                        best[end] = score;
                        from[end] = start;
                        via[end] = id;
                    }
                    if (end == charEnd) {
                        single = true;
                    }
                }
            }
            if (!single) {
                double score = sum(best[start], unkScore);
                if (from[charEnd] < 0 || score > best[charEnd]) {
                    best[charEnd] = score;
                    from[charEnd] = start;
                    via[charEnd] = -1;
                }
            }
        }
        int count = 0;
        int[] ends = new int[n];
        for (int end = n; end > 0; end = from[end]) {
            ends[count++] = end;
        }
        boolean lastWasUnk = false;
        for (int k = count - 1; k >= 0; k--) {
            int end = ends[k];
            int start = from[end];
            int id = via[end];
            if (id >= 0) {
                out.add(id);
                lastWasUnk = false;
            } else if (byteFallback) {
                for (byte b : s.substring(start, end).getBytes(StandardCharsets.UTF_8)) {
                    int byteId = byteIds[b & 0xFF];
                    out.add(byteId >= 0 ? byteId : unkId);
                }
            } else if (!lastWasUnk) {
                out.add(unkId);
                lastWasUnk = true;
            }
        }
    }

    private double sum(double pathScore, float pieceScore) {
        return floatSums ? (float) pathScore + pieceScore : pathScore + pieceScore;
    }

    /** A character trie of the pieces, children in sorted arrays once frozen. */
    private static final class Trie {
        static final int ROOT = 0;
        private final List<Map<Character, Integer>> building = new ArrayList<>();
        private int[] values = new int[0];
        private int[] childStart;
        private char[] childLabel;
        private int[] childNode;

        Trie() {
            building.add(new HashMap<>());
            values = new int[] {-1};
        }

        void add(String piece, int id) {
            int node = ROOT;
            for (int i = 0; i < piece.length(); i++) {
                Map<Character, Integer> children = building.get(node);
                Integer next = children.get(piece.charAt(i));
                if (next == null) {
                    next = building.size();
                    children.put(piece.charAt(i), next);
                    building.add(new HashMap<>());
                    if (values.length <= next) {
                        int old = values.length;
                        values = Arrays.copyOf(values, Math.max(8, old * 2));
                        Arrays.fill(values, old, values.length, -1);
                    }
                }
                node = next;
            }
            if (values[node] < 0) { // the first of duplicate pieces wins, as in a vocabulary lookup
                values[node] = id;
            }
        }

        void freeze() {
            int nodes = building.size();
            childStart = new int[nodes + 1];
            int edges = 0;
            for (int i = 0; i < nodes; i++) {
                childStart[i] = edges;
                edges += building.get(i).size();
            }
            childStart[nodes] = edges;
            childLabel = new char[edges];
            childNode = new int[edges];
            for (int i = 0; i < nodes; i++) {
                char[] labels = new char[building.get(i).size()];
                int k = 0;
                for (char c : building.get(i).keySet()) {
                    labels[k++] = c;
                }
                Arrays.sort(labels);
                for (int j = 0; j < labels.length; j++) {
                    childLabel[childStart[i] + j] = labels[j];
                    childNode[childStart[i] + j] = building.get(i).get(labels[j]);
                }
            }
            values = Arrays.copyOf(values, nodes);
            building.clear();
        }

        int child(int node, char c) {
            int i = Arrays.binarySearch(childLabel, childStart[node], childStart[node + 1], c);
            return i < 0 ? -1 : childNode[i];
        }

        int value(int node) {
            return values[node];
        }
    }
}
