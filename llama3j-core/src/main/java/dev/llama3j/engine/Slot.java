package dev.llama3j.engine;

import dev.llama3j.model.KvCache;

/**
 * One continuous-batching slot: a KV cache for a whole context and the token ids it holds, kept
 * after a sequence ends so the next request that shares a prefix (the same system prompt, the same
 * conversation so far) can skip recomputing it.
 */
final class Slot {
    final int index;
    final KvCache cache;
    final int[] tokens;
    Sequence sequence;
    /** The adapter the cached tokens were computed with. */
    int adapter;

    Slot(int index, KvCache cache) {
        this.index = index;
        this.cache = cache;
        this.tokens = new int[cache.capacity()];
    }

    /** Length of the common prefix of {@code prompt} and the cached tokens. */
    int commonPrefix(int[] prompt) {
        int n = Math.min(prompt.length, cache.length());
        int i = 0;
        while (i < n && tokens[i] == prompt[i]) {
            i++;
        }
        return i;
    }
}
