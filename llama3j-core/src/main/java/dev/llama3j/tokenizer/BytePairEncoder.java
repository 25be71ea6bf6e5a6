package dev.llama3j.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over one pre-tokenized piece: the piece's UTF-8 bytes start as one token each and
 * the adjacent pair with the lowest merge rank is merged until no pair has a merge (leftmost first
 * among equal ranks, as Hugging Face does). With {@code ignoreMerges} (Llama 3), a piece that is a
 * vocabulary entry as a whole is that entry, whatever the merges would give.
 *
 * <p>Pieces repeat (words, spaces, punctuation), so results are cached per piece text. Thread-safe.
 */
final class BytePairEncoder {
    /** Results kept before the cache is emptied and refilled; ~64k short words is a few MB. */
    private static final int CACHE_LIMIT = 1 << 16;
    /** Longer pieces are not cached: they are rare (long runs of spaces or letters) and costly to keep. */
    private static final int CACHEABLE_LENGTH = 256;
    private static final long EMPTY = -1L;

    private final Map<String, Integer> vocab;
    private final int[] byteIds = new int[256];
    private final boolean ignoreMerges;

    // Open-addressing table from the pair (left id, right id) to the merge's rank.
    private final long[] pairKeys;
    private final int[] pairRanks;
    private final int mask;
    private final int hashShift;
    /** The id a merge produces, by rank. */
    private final int[] mergedIds;

    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab the BPE vocabulary (byte-level strings to ids); added tokens are not part of it
     * @param leftIds left parts of the merges, in rank order
     * @param rightIds right parts, in rank order
     * @param mergedIds the ids that the merges produce, in rank order
     */
    BytePairEncoder(Map<String, Integer> vocab, int[] leftIds, int[] rightIds, int[] mergedIds, boolean ignoreMerges) {
        this.vocab = vocab;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) {
                throw new IllegalArgumentException("the vocabulary has no token for the byte 0x"
                        + Integer.toHexString(b) + " (byte-level piece \"" + ByteLevel.charOf(b) + "\")");
            }
            byteIds[b] = id;
        }
        int capacity = Integer.highestOneBit(Math.max(4, leftIds.length * 2 + 1)) << 1;
        pairKeys = new long[capacity];
        pairRanks = new int[capacity];
        mask = capacity - 1;
        hashShift = 64 - Integer.numberOfTrailingZeros(capacity);
        Arrays.fill(pairKeys, EMPTY);
        this.mergedIds = mergedIds;
        for (int rank = 0; rank < leftIds.length; rank++) {
            // A repeated pair keeps its later rank, as in Hugging Face's merge map.
            long key = pairKey(leftIds[rank], rightIds[rank]);
            int slot = slotOf(key);
            pairKeys[slot] = key;
            pairRanks[slot] = rank;
        }
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The slot holding {@code key}, or the empty slot where it would go. */
    private int slotOf(long key) {
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> hashShift);
        while (pairKeys[slot] != key && pairKeys[slot] != EMPTY) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** The rank of merging {@code left} and {@code right}, or -1 if they do not merge. */
    private int rank(int left, int right) {
        long key = pairKey(left, right);
        int slot = slotOf(key);
        return pairKeys[slot] == key ? pairRanks[slot] : -1;
    }

    /** Appends the ids of the piece {@code text[from, to)} to {@code out}. */
    void encode(String text, int from, int to, IntList out) {
        if (to - from > CACHEABLE_LENGTH) {
            out.addAll(encodeUncached(text, from, to));
            return;
        }
        String piece = text.substring(from, to);
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = encodeUncached(piece, 0, piece.length());
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    /** Forgets cached results (for measuring the uncached cost). */
    void clearCache() {
        cache.clear();
    }

    private int[] encodeUncached(String text, int from, int to) {
        byte[] bytes = new byte[3 * (to - from)];
        int n = Utf8.encode(text, from, to, bytes);
        if (n == 1) {
            return new int[] {byteIds[bytes[0] & 0xFF]};
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.encode(bytes, 0, n));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        return merge(bytes, n);
    }

    /**
     * The merge loop: a doubly linked list of symbols and a min-heap of candidate merges keyed by
     * (rank, position). Entries made stale by an earlier merge are recognised when popped and skipped,
     * so each merge costs O(log n) rather than a rescan of the piece.
     */
    private int[] merge(byte[] bytes, int n) {
        int[] ids = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = byteIds[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // At most n-1 initial candidates plus two per merge.
        long[] heap = new long[3 * n];
        int heapSize = 0;
        for (int i = 0; i + 1 < n; i++) {
            int r = rank(ids[i], ids[i + 1]);
            if (r >= 0) {
                heapSize = push(heap, heapSize, candidate(r, i));
            }
        }
        int count = n;
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = popTop(heap, heapSize);
            int r = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0 || rank(ids[pos], ids[right]) != r) {
                continue; // stale: a neighbour changed since this candidate was pushed
            }
            ids[pos] = mergedIds[r];
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            count--;
            int before = prev[pos];
            if (before >= 0) {
                int r2 = rank(ids[before], ids[pos]);
                if (r2 >= 0) {
                    heapSize = push(heap, heapSize, candidate(r2, before));
                }
            }
            if (after >= 0) {
                int r2 = rank(ids[pos], ids[after]);
                if (r2 >= 0) {
                    heapSize = push(heap, heapSize, candidate(r2, pos));
                }
            }
        }
        int[] result = new int[count];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            result[k++] = ids[i];
        }
        return result;
    }

    private static long candidate(int rank, int pos) {
        return ((long) rank << 32) | pos;
    }

    private static int push(long[] heap, int size, long value) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= value) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
        return size + 1;
    }

    /** Removes the smallest element; returns the new size. */
    private static int popTop(long[] heap, int size) {
        size--;
        long last = heap[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return size;
    }
}
