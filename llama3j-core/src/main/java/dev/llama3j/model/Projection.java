package dev.llama3j.model;

import dev.llama3j.tensor.WeightMatrix;

/**
 * The seven linear projections of a Llama block, the ones a LoRA adapter can target. {@link #module()}
 * is the Hugging Face module name ({@code q_proj}), {@link #path()} its place in a layer
 * ({@code self_attn.q_proj}).
 */
public enum Projection {
    Q("q_proj", "self_attn"),
    K("k_proj", "self_attn"),
    V("v_proj", "self_attn"),
    O("o_proj", "self_attn"),
    GATE("gate_proj", "mlp"),
    UP("up_proj", "mlp"),
    DOWN("down_proj", "mlp");

    private final String module;
    private final String block;

    Projection(String module, String block) {
        this.module = module;
        this.block = block;
    }

    public String module() {
        return module;
    }

    /** {@code self_attn.q_proj}: the name inside {@code model.layers.N.}. */
    public String path() {
        return block + "." + module;
    }

    /** The projection whose module is named {@code name} ({@code q_proj}…), or null. */
    public static Projection ofModule(String name) {
        for (Projection p : values()) {
            if (p.module.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Input features. */
    public int in(LlamaConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.hiddenSize();
            case O -> c.qDim();
            case DOWN -> c.intermediateSize();
        };
    }

    /** Output features (rows of the weight). */
    public int out(LlamaConfig c) {
        return switch (this) {
            case Q -> c.qDim();
            case K, V -> c.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> c.intermediateSize();
        };
    }

    /** This projection's weight in {@code layer}. */
    public WeightMatrix of(LayerWeights layer) {
        return switch (this) {
            case Q -> layer.wq();
            case K -> layer.wk();
            case V -> layer.wv();
            case O -> layer.wo();
            case GATE -> layer.wGate();
            case UP -> layer.wUp();
            case DOWN -> layer.wDown();
        };
    }
}
