package dev.llama3j.deberta;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tensor.FloatArrays;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.util.Arrays;

/**
 * The forward pass of {@code DebertaV2ForSequenceClassification} for one sequence, in fp32, following
 * Hugging Face's {@code modeling_deberta_v2.py}: word embeddings and LayerNorm (no absolute positions),
 * post-LN layers of disentangled attention (content→content, content→position, position→content, with
 * the position projections shared with the query and key projections), the pooler on token 0 and the
 * classifier. Matrix products are split over output rows on a {@link WorkerPool}.
 */
public final class DebertaModel {
    private final DebertaConfig config;
    private final DebertaWeights weights;
    private final WorkerPool pool;
    /** Per layer, the relative embeddings through the query projection: [2 span][hidden]. */
    private final float[][] positionQueries;
    /** Per layer, the relative embeddings through the key projection: [2 span][hidden]. */
    private final float[][] positionKeys;

    DebertaModel(DebertaConfig config, DebertaWeights weights, WorkerPool pool) {
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        int h = config.hiddenSize();
        int rows = 2 * config.attentionSpan();
        float[] rel = new float[rows * h];
        for (int r = 0; r < rows; r++) {
            weights.relEmbeddings().dequantizeRow(r, rel, r * h);
            if (config.normRelEmbeddings()) {
                EncoderMath.layerNorm(rel, r * h, h, weights.relNormWeight(), weights.relNormBias(), config.layerNormEps());
            }
        }
        positionQueries = new float[config.layers()][];
        positionKeys = new float[config.layers()][];
        for (int l = 0; l < config.layers(); l++) {
            DebertaWeights.Layer layer = weights.layers()[l];
            positionQueries[l] = new float[rows * h];
            positionKeys[l] = new float[rows * h];
            linear(layer.query(), layer.queryBias(), rel, rows, positionQueries[l]);
            linear(layer.key(), layer.keyBias(), rel, rows, positionKeys[l]);
        }
    }

    public DebertaConfig config() {
        return config;
    }

    /** The classifier's logits for one sequence of token ids (special tokens included). */
    public float[] logits(int[] ids) {
        int n = ids.length;
        if (n == 0) {
            throw new InvalidRequestException("DeBERTa input: no tokens");
        }
        int h = config.hiddenSize();
        float[] x = new float[n * h];
        for (int t = 0; t < n; t++) {
            if (ids[t] < 0 || ids[t] >= config.vocabSize()) {
                throw new InvalidRequestException("DeBERTa input: token id " + ids[t] + " at position " + t
                        + " is outside the vocabulary of " + config.vocabSize());
            }
            weights.wordEmbeddings().dequantizeRow(ids[t], x, t * h);
            EncoderMath.layerNorm(x, t * h, h, weights.embeddingNormWeight(), weights.embeddingNormBias(),
                    config.layerNormEps());
        }
        Buffers b = new Buffers(n, h, config.intermediateSize());
        int[] c2pRows = RelativePositions.rows(n, config, false);
        int[] p2cRows = RelativePositions.rows(n, config, true);
        for (int l = 0; l < config.layers(); l++) {
            layer(l, x, b, c2pRows, p2cRows);
        }
        float[] pooled = new float[h];
        linear(weights.poolerDense(), weights.poolerBias(), x, 1, pooled);
        EncoderMath.gelu(pooled, 0, h);
        float[] logits = new float[config.labels().size()];
        linear(weights.classifier(), weights.classifierBias(), pooled, 1, logits);
        return logits;
    }

    /** Activations of one pass, reused by every layer. */
    private record Buffers(float[] q, float[] k, float[] v, float[] context, float[] attended, float[] inner) {
        Buffers(int n, int h, int inter) {
            this(new float[n * h], new float[n * h], new float[n * h], new float[n * h], new float[n * h],
                    new float[n * inter]);
        }
    }

    private void layer(int l, float[] x, Buffers b, int[] c2pRows, int[] p2cRows) {
        DebertaWeights.Layer w = weights.layers()[l];
        int h = config.hiddenSize();
        int n = x.length / h;
        linear(w.query(), w.queryBias(), x, n, b.q());
        linear(w.key(), w.keyBias(), x, n, b.k());
        linear(w.value(), w.valueBias(), x, n, b.v());
        attention(l, n, b, c2pRows, p2cRows);

        float[] a = b.attended();
        linear(w.attentionOut(), w.attentionOutBias(), b.context(), n, a);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < h; i++) {
                a[t * h + i] += x[t * h + i];
            }
            EncoderMath.layerNorm(a, t * h, h, w.attentionNormWeight(), w.attentionNormBias(), config.layerNormEps());
        }
        int inter = config.intermediateSize();
        linear(w.intermediate(), w.intermediateBias(), a, n, b.inner());
        pool.parallelFor(n, 1, (t0, t1) -> EncoderMath.gelu(b.inner(), t0 * inter, (t1 - t0) * inter));
        linear(w.output(), w.outputBias(), b.inner(), n, x);
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < h; i++) {
                x[t * h + i] += a[t * h + i];
            }
            EncoderMath.layerNorm(x, t * h, h, w.outputNormWeight(), w.outputNormBias(), config.layerNormEps());
        }
    }

    /**
     * Disentangled self-attention, per head and query: score(i, j) = (q_i·k_j + q_i·pk_{δ(i,j)} +
     * k_j·pq_{δ'(j,i)}) / sqrt(d · factor), where pk and pq are the projected relative embeddings and
     * factor counts the terms; softmax over j; the weighted sum of values.
     */
    private void attention(int l, int n, Buffers b, int[] c2pRows, int[] p2cRows) {
        int h = config.hiddenSize();
        int d = config.headSize();
        int factor = 1 + (config.c2p() ? 1 : 0) + (config.p2c() ? 1 : 0);
        float scale = (float) Math.sqrt((float) d * factor);
        float[] q = b.q();
        float[] k = b.k();
        float[] v = b.v();
        float[] ctx = b.context();
        float[] posKey = positionKeys[l];
        float[] posQuery = positionQueries[l];
        boolean c2p = config.c2p();
        boolean p2c = config.p2c();
        pool.parallelFor(config.heads() * n, 8, (start, end) -> {
            float[] row = new float[n];
            for (int idx = start; idx < end; idx++) {
                int head = idx / n;
                int i = idx % n;
                int qo = i * h + head * d;
                for (int j = 0; j < n; j++) {
                    int ko = j * h + head * d;
                    float s = FloatArrays.dot(q, qo, k, ko, d) / scale;
                    if (c2p) {
                        int r = c2pRows[i - j + n - 1];
                        s += FloatArrays.dot(q, qo, posKey, r * h + head * d, d) / scale;
                    }
                    if (p2c) {
                        int r = p2cRows[j - i + n - 1];
                        s += FloatArrays.dot(k, ko, posQuery, r * h + head * d, d) / scale;
                    }
                    row[j] = s;
                }
                EncoderMath.softmax(row, 0, n);
                Arrays.fill(ctx, qo, qo + d, 0f);
                for (int j = 0; j < n; j++) {
                    FloatArrays.addScaled(ctx, qo, row[j], v, j * h + head * d, d);
                }
            }
        });
    }

    /**
     * {@code out[t] = m · in[t] + bias} for {@code n} rows of input, split over the workers in whole
     * panels of the matrix's rows (many rows of input go through the GEMM micro-kernel).
     */
    private void linear(WeightMatrix m, float[] bias, float[] in, int n, float[] out) {
        int rows = m.rows();
        MatmulInput input = new MatmulInput().set(in, n, m.cols());
        m.prepareInput(input);
        int grain = m.rowGrain();
        pool.parallelFor((rows + grain - 1) / grain, 1, (u0, u1) -> {
            int r0 = u0 * grain;
            int r1 = Math.min(rows, u1 * grain);
            m.matmul(input, out, rows, r0, r1);
            for (int t = 0; t < n; t++) {
                for (int r = r0; r < r1; r++) {
                    out[t * rows + r] += bias[r];
                }
            }
        });
    }
}
