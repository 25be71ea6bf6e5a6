package dev.llama3j.model;

import dev.llama3j.tensor.MappedPages;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;

/**
 * All weights of a Llama model. {@code lmHead} is the same object as {@code tokenEmbedding} when the
 * embeddings are tied (Llama 3.2 1B/3B, the demo model).
 */
public record LlamaWeights(
        WeightMatrix tokenEmbedding,
        LayerWeights[] layers,
        float[] finalNorm,
        WeightMatrix lmHead,
        RopeTables rope) {

    /**
     * The same weights with every matrix in its fastest layout ({@link WeightMatrix#optimized}); copies
     * go into {@code arena}. Tied embeddings stay one object.
     */
    public LlamaWeights optimized(Arena arena, WorkerPool pool) {
        LayerWeights[] out = new LayerWeights[layers.length];
        for (int i = 0; i < layers.length; i++) {
            LayerWeights l = layers[i];
            out[i] = new LayerWeights(l.attnNorm(), optimized(l.wq(), arena, pool), optimized(l.wk(), arena, pool),
                    optimized(l.wv(), arena, pool), optimized(l.wo(), arena, pool), l.ffnNorm(),
                    optimized(l.wGate(), arena, pool), optimized(l.wUp(), arena, pool),
                    optimized(l.wDown(), arena, pool));
        }
        WeightMatrix embed = optimized(tokenEmbedding, arena, pool);
        WeightMatrix head = lmHead == tokenEmbedding ? embed : optimized(lmHead, arena, pool);
        return new LlamaWeights(embed, out, finalNorm, head, rope);
    }

    /**
     * {@code m} in its fastest layout; when that is a copy, the mapped pages it was read from are
     * dropped from resident memory at once, so that loading never holds a matrix twice (the file itself
     * is unmapped after loading when nothing points into it).
     */
    private static WeightMatrix optimized(WeightMatrix m, Arena arena, WorkerPool pool) {
        WeightMatrix o = m.optimized(arena, pool);
        if (o != m) {
            MappedPages.release(m.data());
        }
        return o;
    }

    /**
     * Whether no matrix of these weights is one of {@code source}'s (all were copied into new
     * layouts), so the file {@code source} reads from can be unmapped.
     */
    public boolean independentOf(LlamaWeights source) {
        if (tokenEmbedding == source.tokenEmbedding || lmHead == source.lmHead) {
            return false;
        }
        for (int i = 0; i < layers.length; i++) {
            LayerWeights a = layers[i];
            LayerWeights b = source.layers[i];
            if (a.wq() == b.wq() || a.wk() == b.wk() || a.wv() == b.wv() || a.wo() == b.wo() || a.wGate() == b.wGate()
                    || a.wUp() == b.wUp() || a.wDown() == b.wDown()) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of all weight data (tied embeddings counted once). */
    public long bytes() {
        long sum = tokenEmbedding.data().byteSize() + finalNorm.length * 4L;
        if (lmHead != tokenEmbedding) {
            sum += lmHead.data().byteSize();
        }
        for (LayerWeights l : layers) {
            sum += (l.attnNorm().length + l.ffnNorm().length) * 4L;
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                sum += m.data().byteSize();
            }
        }
        return sum;
    }
}
