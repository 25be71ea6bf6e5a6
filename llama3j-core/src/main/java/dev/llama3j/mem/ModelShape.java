package dev.llama3j.mem;

import dev.llama3j.model.LlamaConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The sizes of a Llama model that memory depends on, with its exact tensor list and parameter count.
 * Built from a {@code config.json} ({@link #of(LlamaConfig, String)}) or a {@link KnownModels} preset.
 *
 * @param name how to call the model in output, e.g. "Llama 3.1 8B"
 * @param ffn the MLP's intermediate size
 * @param tied whether {@code lm_head} shares the token embedding (then it is not stored or counted)
 * @param maxPositions the longest context the model supports ({@code max_position_embeddings})
 */
public record ModelShape(String name, int layers, int hidden, int heads, int kvHeads, int headDim, int ffn,
        int vocab, boolean tied, int maxPositions) {

    public ModelShape {
        if (layers < 1 || hidden < 1 || heads < 1 || kvHeads < 1 || headDim < 1 || ffn < 1 || vocab < 1
                || maxPositions < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("not a valid model shape: " + name);
        }
    }

    public static ModelShape of(LlamaConfig c, String name) {
        return new ModelShape(name, c.numLayers(), c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.intermediateSize(), c.vocabSize(), c.tieWordEmbeddings(), c.maxPositions());
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Every weight tensor, in checkpoint order (embedding, layers, final norm, output). */
    public List<ModelTensor> tensors() {
        List<ModelTensor> t = new ArrayList<>();
        t.add(new ModelTensor("model.embed_tokens.weight", TensorRole.TOKEN_EMBEDDING, -1, vocab, hidden));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            t.add(new ModelTensor(p + "input_layernorm.weight", TensorRole.NORM, l, 1, hidden));
            t.add(new ModelTensor(p + "self_attn.q_proj.weight", TensorRole.ATTN_Q, l, qDim(), hidden));
            t.add(new ModelTensor(p + "self_attn.k_proj.weight", TensorRole.ATTN_K, l, kvDim(), hidden));
            t.add(new ModelTensor(p + "self_attn.v_proj.weight", TensorRole.ATTN_V, l, kvDim(), hidden));
            t.add(new ModelTensor(p + "self_attn.o_proj.weight", TensorRole.ATTN_O, l, hidden, qDim()));
            t.add(new ModelTensor(p + "post_attention_layernorm.weight", TensorRole.NORM, l, 1, hidden));
            t.add(new ModelTensor(p + "mlp.gate_proj.weight", TensorRole.FFN_GATE, l, ffn, hidden));
            t.add(new ModelTensor(p + "mlp.up_proj.weight", TensorRole.FFN_UP, l, ffn, hidden));
            t.add(new ModelTensor(p + "mlp.down_proj.weight", TensorRole.FFN_DOWN, l, hidden, ffn));
        }
        t.add(new ModelTensor("model.norm.weight", TensorRole.NORM, -1, 1, hidden));
        if (!tied) {
            t.add(new ModelTensor("lm_head.weight", TensorRole.OUTPUT, -1, vocab, hidden));
        }
        return Collections.unmodifiableList(t);
    }

    /** Exact number of parameters (tied embeddings counted once). */
    public long parameters() {
        long perLayer = 2L * hidden // norms
                + (long) hidden * qDim() * 2 // q, o
                + (long) hidden * kvDim() * 2 // k, v
                + 3L * hidden * ffn; // gate, up, down
        return (long) vocab * hidden * (tied ? 1 : 2) + hidden + layers * perLayer;
    }

    /** Parameters of the seven projection matrices of all layers (what QLoRA quantizes). */
    public long projectionParameters() {
        return tensors().stream().filter(t -> t.role().isLayerProjection()).mapToLong(ModelTensor::elements).sum();
    }

    /** Key and value elements one token adds to the cache: 2 × layers × kv_heads × head_dim. */
    public long kvElementsPerToken() {
        return 2L * layers * kvDim();
    }

    /** One line for people: layers, widths, heads. */
    public String describe() {
        return String.format(Locale.ROOT, "%d layers, hidden %d, FFN %d, %d heads / %d KV heads × %d, vocab %d, %s,"
                + " max %,d positions", layers, hidden, ffn, heads, kvHeads, headDim, vocab,
                tied ? "tied embeddings" : "untied embeddings", maxPositions);
    }

    /** {@code 8.03B}, {@code 70.55B}, {@code 8.45M}. */
    public static String shortCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        }
        return String.format(Locale.ROOT, "%,d", n);
    }
}
