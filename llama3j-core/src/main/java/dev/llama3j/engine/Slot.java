package dev.llama3j.engine;

/**
 * One continuous-batching slot as the {@link Scheduler} sees it: the token ids its KV cache holds,
 * kept after a sequence ends so the next request that shares a prefix (the same system prompt, the
 * same conversation so far) can skip recomputing it. The cache itself belongs to the engine's
 * {@link EngineCore} (slot {@code index}); the scheduler needs only the ids.
 */
final class Slot {
    final int index;
    /** The ids at each position; {@code tokens[0, cached)} are in the cache. */
    final int[] tokens;
    /** Positions whose keys and values are in the cache (or are written by the step being run). */
    int cached;
    Sequence sequence;
    /** The adapter the cached tokens were computed with. */
    int adapter;

    Slot(int index, int capacity) {
        this.index = index;
        this.tokens = new int[capacity];
    }

    /** Length of the common prefix of {@code prompt} and the cached tokens. */
    int commonPrefix(int[] prompt) {
        int n = Math.min(prompt.length, cached);
        int i = 0;
        while (i < n && tokens[i] == prompt[i]) {
            i++;
        }
        return i;
    }
}
