package dev.llama3j.model;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.MappedPages;
import dev.llama3j.tensor.Q6KLayout;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

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
     * go into {@code arena}. Tied embeddings stay one object; untied ones, only ever read a row at a
     * time, stay where they are (the file's pages, as llama.cpp leaves {@code token_embd}), resident
     * only where a token's row has been read: 430 MB less for an 8B Q6_K file. The Q6_K matrices all
     * take the form {@link Q6KLayout#forModel} gives these weights (6 bits a weight where most of them
     * are Q6_K), except the output layer, whose form depends on the {@code sequences} the model is
     * loaded to generate at a time ({@link Q6KLayout#forOutput}).
     */
    public LlamaWeights optimized(Arena arena, WorkerPool pool, int sequences) {
        Q6KLayout q6k = Q6KLayout.forModel(weights(GgmlType.Q6_K), weights(null));
        Q6KLayout output = Q6KLayout.forOutput(q6k, sequences);
        // The output layer first, the largest matrix: while a matrix is copied its file pages are
        // resident too, and this way that happens before the layers' copies are (8B Q6_K: peak
        // resident memory 6,788 → 6,564 MB, the memory once loaded).
        WeightMatrix embed;
        WeightMatrix head;
        if (lmHead == tokenEmbedding) {
            embed = optimized(tokenEmbedding, arena, pool, output);
            head = embed;
        } else {
            embed = tokenEmbedding;
            MappedPages.release(embed.data()); // the pages loading read; rows come back as tokens need them
            head = optimized(lmHead, arena, pool, output);
        }
        LayerWeights[] out = new LayerWeights[layers.length];
        for (int i = 0; i < layers.length; i++) {
            LayerWeights l = layers[i];
            out[i] = new LayerWeights(l.attnNorm(), optimized(l.wq(), arena, pool, q6k),
                    optimized(l.wk(), arena, pool, q6k), optimized(l.wv(), arena, pool, q6k),
                    optimized(l.wo(), arena, pool, q6k), l.ffnNorm(), optimized(l.wGate(), arena, pool, q6k),
                    optimized(l.wUp(), arena, pool, q6k), optimized(l.wDown(), arena, pool, q6k));
        }
        return new LlamaWeights(embed, out, finalNorm, head, rope);
    }

    /** Weights (values) of all matrices of {@code type}, or of every type for null; tied embeddings count once. */
    long weights(GgmlType type) {
        return weightsOf(matrices(), type);
    }

    /** Weights (values) of the matrices {@code ms} of {@code type}, or of every type for null. */
    private static long weightsOf(List<WeightMatrix> ms, GgmlType type) {
        long sum = 0;
        for (WeightMatrix m : ms) {
            if (type == null || m.type() == type) {
                sum += (long) m.rows() * m.cols();
            }
        }
        return sum;
    }

    /** Every matrix once: the embeddings, each layer's seven, and the output layer unless tied. */
    private List<WeightMatrix> matrices() {
        List<WeightMatrix> all = new ArrayList<>();
        all.add(tokenEmbedding);
        if (lmHead != tokenEmbedding) {
            all.add(lmHead);
        }
        all.addAll(layerMatrices());
        return all;
    }

    /** Each layer's seven matrices. */
    private List<WeightMatrix> layerMatrices() {
        List<WeightMatrix> all = new ArrayList<>();
        for (LayerWeights l : layers) {
            all.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()));
        }
        return all;
    }

    /**
     * {@code m} in its fastest layout; when that is a copy, the mapped pages it was read from are
     * dropped from resident memory at once, so that loading never holds a matrix twice (the file itself
     * is unmapped after loading when nothing points into it).
     */
    private static WeightMatrix optimized(WeightMatrix m, Arena arena, WorkerPool pool, Q6KLayout q6k) {
        WeightMatrix o = m.optimized(arena, pool, q6k);
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
        Set<WeightMatrix> theirs = Collections.newSetFromMap(new IdentityHashMap<>());
        theirs.addAll(source.matrices());
        for (WeightMatrix m : matrices()) {
            if (theirs.contains(m)) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of all weight data (tied embeddings counted once). */
    public long bytes() {
        long sum = finalNorm.length * 4L;
        for (LayerWeights l : layers) {
            sum += (l.attnNorm().length + l.ffnNorm().length) * 4L;
        }
        for (WeightMatrix m : matrices()) {
            sum += m.bytes();
        }
        return sum;
    }
}
