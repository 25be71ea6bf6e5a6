package dev.llama3j.deberta;

import dev.llama3j.model.TensorSource;
import dev.llama3j.tensor.WeightMatrix;

/**
 * The tensors of {@code DebertaV2ForSequenceClassification}, under Hugging Face's names. Matrices stay
 * in the mapped file; vectors (biases, LayerNorm gains) are read into arrays.
 */
record DebertaWeights(
        WeightMatrix wordEmbeddings,
        float[] embeddingNormWeight,
        float[] embeddingNormBias,
        WeightMatrix relEmbeddings,
        float[] relNormWeight,
        float[] relNormBias,
        Layer[] layers,
        WeightMatrix poolerDense,
        float[] poolerBias,
        WeightMatrix classifier,
        float[] classifierBias) {

    /** One encoder layer: attention projections, attention output, feed-forward. */
    record Layer(
            WeightMatrix query, float[] queryBias,
            WeightMatrix key, float[] keyBias,
            WeightMatrix value, float[] valueBias,
            WeightMatrix attentionOut, float[] attentionOutBias,
            float[] attentionNormWeight, float[] attentionNormBias,
            WeightMatrix intermediate, float[] intermediateBias,
            WeightMatrix output, float[] outputBias,
            float[] outputNormWeight, float[] outputNormBias) {}

    static DebertaWeights load(TensorSource t, DebertaConfig c) {
        int h = c.hiddenSize();
        int inter = c.intermediateSize();
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "deberta.encoder.layer." + i + ".";
            String self = p + "attention.self.";
            layers[i] = new Layer(
                    t.matrix(self + "query_proj.weight", h, h), t.vector(self + "query_proj.bias", h),
                    t.matrix(self + "key_proj.weight", h, h), t.vector(self + "key_proj.bias", h),
                    t.matrix(self + "value_proj.weight", h, h), t.vector(self + "value_proj.bias", h),
                    t.matrix(p + "attention.output.dense.weight", h, h), t.vector(p + "attention.output.dense.bias", h),
                    t.vector(p + "attention.output.LayerNorm.weight", h), t.vector(p + "attention.output.LayerNorm.bias", h),
                    t.matrix(p + "intermediate.dense.weight", inter, h), t.vector(p + "intermediate.dense.bias", inter),
                    t.matrix(p + "output.dense.weight", h, inter), t.vector(p + "output.dense.bias", h),
                    t.vector(p + "output.LayerNorm.weight", h), t.vector(p + "output.LayerNorm.bias", h));
        }
        int labels = c.labels().size();
        return new DebertaWeights(
                t.matrix("deberta.embeddings.word_embeddings.weight", c.vocabSize(), h),
                t.vector("deberta.embeddings.LayerNorm.weight", h),
                t.vector("deberta.embeddings.LayerNorm.bias", h),
                t.matrix("deberta.encoder.rel_embeddings.weight", 2 * c.attentionSpan(), h),
                c.normRelEmbeddings() ? t.vector("deberta.encoder.LayerNorm.weight", h) : null,
                c.normRelEmbeddings() ? t.vector("deberta.encoder.LayerNorm.bias", h) : null,
                layers,
                t.matrix("pooler.dense.weight", h, h),
                t.vector("pooler.dense.bias", h),
                t.matrix("classifier.weight", labels, h),
                t.vector("classifier.bias", labels));
    }
}
