package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LlamaGgufNamesTest {
    @Test
    void mapsEveryLlamaTensorBothWays() {
        String[][] pairs = {
            {"token_embd.weight", "model.embed_tokens.weight"},
            {"output_norm.weight", "model.norm.weight"},
            {"output.weight", "lm_head.weight"},
            {"blk.0.attn_norm.weight", "model.layers.0.input_layernorm.weight"},
            {"blk.31.attn_q.weight", "model.layers.31.self_attn.q_proj.weight"},
            {"blk.2.attn_k.weight", "model.layers.2.self_attn.k_proj.weight"},
            {"blk.2.attn_v.weight", "model.layers.2.self_attn.v_proj.weight"},
            {"blk.2.attn_output.weight", "model.layers.2.self_attn.o_proj.weight"},
            {"blk.10.ffn_norm.weight", "model.layers.10.post_attention_layernorm.weight"},
            {"blk.10.ffn_gate.weight", "model.layers.10.mlp.gate_proj.weight"},
            {"blk.10.ffn_up.weight", "model.layers.10.mlp.up_proj.weight"},
            {"blk.10.ffn_down.weight", "model.layers.10.mlp.down_proj.weight"},
        };
        for (String[] p : pairs) {
            assertEquals(p[1], LlamaGgufNames.toHf(p[0]), p[0]);
            assertEquals(p[0], LlamaGgufNames.toGguf(p[1]), p[1]);
        }
        assertEquals("blk.7.ffn_down.weight", LlamaGgufNames.ffnDown(7));
        assertEquals("blk.0.attn_output.weight", LlamaGgufNames.attnOutput(0));
        assertNull(LlamaGgufNames.toHf(LlamaGgufNames.ROPE_FREQS));
        assertNull(LlamaGgufNames.toGguf("model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertNull(LlamaGgufNames.toHf("blk.0.attn_qkv.weight"));
    }

    @Test
    void onlyQAndKArePermuted() {
        assertTrue(LlamaGgufNames.isRotaryPermuted("blk.3.attn_q.weight"));
        assertTrue(LlamaGgufNames.isRotaryPermuted("blk.3.attn_k.weight"));
        assertFalse(LlamaGgufNames.isRotaryPermuted("blk.3.attn_v.weight"));
        assertFalse(LlamaGgufNames.isRotaryPermuted("token_embd.weight"));
    }

    @Test
    void fileTypesMatchLlamaCpp() {
        assertEquals(7, GgufFileType.forWeights(dev.llama3j.tensor.GgmlType.Q8_0).id);
        assertEquals(32, GgufFileType.forWeights(dev.llama3j.tensor.GgmlType.BF16).id);
        assertEquals(GgufFileType.MOSTLY_Q4_K_M, GgufFileType.fromId(15));
        assertNull(GgufFileType.forWeights(dev.llama3j.tensor.GgmlType.Q4_K));
    }
}
