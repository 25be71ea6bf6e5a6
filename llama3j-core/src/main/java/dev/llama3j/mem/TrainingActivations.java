package dev.llama3j.mem;

/**
 * An estimate of the activations a Hugging Face-style bf16 training step keeps for the backward pass.
 * It is an estimate: the real figure depends on the framework's kernels and on what autograd happens
 * to save. The model, per token and layer, every saved tensor in bf16:
 *
 * <ul>
 *   <li>attention: the RMSNorm input and output, q, k and v after RoPE, the attention output (the
 *       o-projection's input) and the fused kernel's fp32 log-sum-exp per head; a flash/SDPA kernel
 *       keeps no sequence × sequence score matrix;
 *   <li>MLP: the RMSNorm input and output, gate, up, SiLU(gate) and the product (the down
 *       projection's input);
 *   <li>LoRA: each adapted projection also keeps its r-wide intermediate {@code A·x}; dropout is 0.
 * </ul>
 *
 * That is {@code 4·hidden + 2·q_dim + 2·kv_dim + 4·ffn} bf16 values (164 KiB for Llama 3.1 8B), close
 * to Korthikanti et al.'s 34·hidden bytes for a GPT layer. With gradient checkpointing each layer keeps
 * only its input (hidden bf16 values) and one layer at a time is recomputed in full. The loss adds, per
 * token, the bf16 logits, their fp32 copy for the cross-entropy and its fp32 gradient (10 bytes × vocab).
 */
public final class TrainingActivations {
    private TrainingActivations() {}

    /** Bytes one token keeps in one layer without checkpointing. */
    public static long perTokenPerLayer(ModelShape s, TrainingSettings t) {
        long values = 4L * s.hidden() + 2L * s.qDim() + 2L * s.kvDim() + 4L * s.ffn();
        if (t.method().usesLora()) {
            values += 7L * t.loraRank();
        }
        return 2 * values + 4L * s.heads();
    }

    /** Bytes of the activations kept across all layers (the loss excluded). */
    public static long layers(ModelShape s, TrainingSettings t) {
        long tokens = t.tokens();
        long full = perTokenPerLayer(s, t);
        if (!t.gradientCheckpointing()) {
            return tokens * s.layers() * full;
        }
        return tokens * s.layers() * s.hidden() * 2L + tokens * full;
    }

    /** Bytes of the logits and the loss: bf16 logits, an fp32 copy and the fp32 gradient. */
    public static long logits(ModelShape s, TrainingSettings t) {
        return t.tokens() * s.vocab() * (2L + 4L + 4L);
    }
}
