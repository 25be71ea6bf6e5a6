package dev.llama3j.model;

import dev.llama3j.tensor.WeightMatrix;

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
