package dev.llama3j.model;

import dev.llama3j.tensor.WeightMatrix;

/**
 * Where the model's tensors come from (a safetensors checkpoint or a GGUF file), addressed by their
 * Hugging Face names ({@code model.layers.0.self_attn.q_proj.weight}). Each implementation maps the
 * names and checks shapes, naming the file and tensor when one is missing or of the wrong shape.
 */
public interface TensorSource {
    /** A {@code rows × cols} matrix ({@code nn.Linear} layout: rows = output features). */
    WeightMatrix matrix(String hfName, int rows, int cols);

    /** A 1-D tensor of {@code length} values, as fp32. */
    float[] vector(String hfName, int length);

    boolean has(String hfName);

    /** How Q and K rows are laid out for RoPE. */
    RopeLayout ropeLayout();

    /** The RoPE tables of a model of shape {@code config}, in this source's row layout. */
    default RopeTables rope(LlamaConfig config) {
        return RopeTables.of(config, ropeLayout());
    }

    /** Builds every weight of a model of shape {@code config}. */
    default LlamaWeights loadWeights(LlamaConfig config) {
        RopeTables rope = rope(config);
        int h = config.hiddenSize();
        LayerWeights[] layers = new LayerWeights[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new LayerWeights(
                    vector(p + "input_layernorm.weight", h),
                    matrix(p + "self_attn.q_proj.weight", config.qDim(), h),
                    matrix(p + "self_attn.k_proj.weight", config.kvDim(), h),
                    matrix(p + "self_attn.v_proj.weight", config.kvDim(), h),
                    matrix(p + "self_attn.o_proj.weight", h, config.qDim()),
                    vector(p + "post_attention_layernorm.weight", h),
                    matrix(p + "mlp.gate_proj.weight", config.intermediateSize(), h),
                    matrix(p + "mlp.up_proj.weight", config.intermediateSize(), h),
                    matrix(p + "mlp.down_proj.weight", h, config.intermediateSize()));
        }
        WeightMatrix embed = matrix("model.embed_tokens.weight", config.vocabSize(), h);
        WeightMatrix head = config.tieWordEmbeddings() || !has("lm_head.weight")
                ? embed
                : matrix("lm_head.weight", config.vocabSize(), h);
        if (!config.tieWordEmbeddings() && head == embed) {
            // An untied config without lm_head: refuse rather than silently tie.
            matrix("lm_head.weight", config.vocabSize(), h);
        }
        return new LlamaWeights(embed, layers, vector("model.norm.weight", h), head, rope);
    }
}
