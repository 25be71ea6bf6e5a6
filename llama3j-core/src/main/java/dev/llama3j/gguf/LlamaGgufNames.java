package dev.llama3j.gguf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor names of a Llama model in GGUF (gguf-py's {@code TENSOR_NAMES}) and their Hugging Face
 * equivalents. Shapes are listed as GGUF dimensions ({@code ne0} first), the reverse of PyTorch's.
 *
 * <pre>
 * token_embd.weight        [hidden, vocab]       model.embed_tokens.weight
 * blk.N.attn_norm.weight   [hidden]              model.layers.N.input_layernorm.weight
 * blk.N.attn_q.weight      [hidden, qDim]        model.layers.N.self_attn.q_proj.weight   (rows permuted, see RotaryPermutation)
 * blk.N.attn_k.weight      [hidden, kvDim]       model.layers.N.self_attn.k_proj.weight   (rows permuted)
 * blk.N.attn_v.weight      [hidden, kvDim]       model.layers.N.self_attn.v_proj.weight
 * blk.N.attn_output.weight [qDim, hidden]        model.layers.N.self_attn.o_proj.weight
 * blk.N.ffn_norm.weight    [hidden]              model.layers.N.post_attention_layernorm.weight
 * blk.N.ffn_gate.weight    [hidden, ffn]         model.layers.N.mlp.gate_proj.weight
 * blk.N.ffn_up.weight      [hidden, ffn]         model.layers.N.mlp.up_proj.weight
 * blk.N.ffn_down.weight    [ffn, hidden]         model.layers.N.mlp.down_proj.weight
 * output_norm.weight       [hidden]              model.norm.weight
 * output.weight            [hidden, vocab]       lm_head.weight   (absent when the embeddings are tied)
 * rope_freqs.weight        [headDim/2] F32       none: Llama 3.1 RoPE scaling, see Llama3RopeFactors
 * </pre>
 */
public final class LlamaGgufNames {
    private LlamaGgufNames() {}

    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";
    public static final String OUTPUT = "output.weight";
    public static final String ROPE_FREQS = "rope_freqs.weight";

    public static String attnNorm(int layer) {
        return block(layer, "attn_norm");
    }

    public static String attnQ(int layer) {
        return block(layer, "attn_q");
    }

    public static String attnK(int layer) {
        return block(layer, "attn_k");
    }

    public static String attnV(int layer) {
        return block(layer, "attn_v");
    }

    public static String attnOutput(int layer) {
        return block(layer, "attn_output");
    }

    public static String ffnNorm(int layer) {
        return block(layer, "ffn_norm");
    }

    public static String ffnGate(int layer) {
        return block(layer, "ffn_gate");
    }

    public static String ffnUp(int layer) {
        return block(layer, "ffn_up");
    }

    public static String ffnDown(int layer) {
        return block(layer, "ffn_down");
    }

    private static String block(int layer, String part) {
        return "blk." + layer + "." + part + ".weight";
    }

    private static final String[][] LAYER_PARTS = {
        {"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"ffn_norm", "post_attention_layernorm"},
        {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},
        {"ffn_down", "mlp.down_proj"},
    };
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.weight");
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.([a-z_.]+)\\.weight");

    /** The GGUF name of a Hugging Face Llama tensor, or null when it has none. */
    public static String toGguf(String hfName) {
        switch (hfName) {
            case "model.embed_tokens.weight":
                return TOKEN_EMBD;
            case "model.norm.weight":
                return OUTPUT_NORM;
            case "lm_head.weight":
                return OUTPUT;
            default:
                break;
        }
        Matcher m = HF_LAYER.matcher(hfName);
        if (m.matches()) {
            for (String[] p : LAYER_PARTS) {
                if (p[1].equals(m.group(2))) {
                    return "blk." + m.group(1) + "." + p[0] + ".weight";
                }
            }
        }
        return null;
    }

    /** The Hugging Face name of a GGUF Llama tensor, or null when it has none (rope_freqs). */
    public static String toHf(String ggufName) {
        switch (ggufName) {
            case TOKEN_EMBD:
                return "model.embed_tokens.weight";
            case OUTPUT_NORM:
                return "model.norm.weight";
            case OUTPUT:
                return "lm_head.weight";
            default:
                break;
        }
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (m.matches()) {
            for (String[] p : LAYER_PARTS) {
                if (p[0].equals(m.group(2))) {
                    return "model.layers." + m.group(1) + "." + p[1] + ".weight";
                }
            }
        }
        return null;
    }

    /** Whether the GGUF tensor's rows are in llama.cpp's RoPE order (Q and K projections). */
    public static boolean isRotaryPermuted(String ggufName) {
        Matcher m = GGUF_LAYER.matcher(ggufName);
        return m.matches() && (m.group(2).equals("attn_q") || m.group(2).equals("attn_k"));
    }
}
