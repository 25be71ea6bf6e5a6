#!/usr/bin/env python3
"""1B-shaped quantized Hugging Face checkpoints with random weights, for speed runs only.

Writes, under bench/.cache/hf/ (or the folder given as the first argument), three compressed-tensors
checkpoints with the Llama 3.2 1B dimensions (hidden 2048, 16 layers, MLP 8192, 32 heads, 8 KV heads,
untied bf16 embeddings and lm_head) and the Llama 3.1 tokenizer of models/tiny-llama-3.1-chat:

  int4         pack-quantized INT4, symmetric, group size 128 (AWQ/GPTQ-like kernels)
  fp8          float-quantized FP8 E4M3, per-row scale amax/448 of Student-t weights (5 degrees of
               freedom), dynamic per-token activations: quantized the way real checkpoints are
  fp8-uniform  the same format with codes drawn uniformly from 0x00..0x6f: 7% of them subnormal

numpy only; about 5 GB written, in about 6 minutes. Run from the repository root:
    python3 bench/make_hf_checkpoints.py
    bin/llama3j bench --model bench/.cache/hf/fp8 -p 0 -n 32
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "fixtures"))
from make_quantized_fixtures import pack_rows8, to_bf16_bits, to_e4m3, write_safetensors  # noqa: E402

SOURCE = "models/tiny-llama-3.1-chat"
HIDDEN, MLP, LAYERS, HEADS, KV_HEADS, VOCAB, GROUP = 2048, 8192, 16, 32, 8, 128256, 128
HEAD_DIM = HIDDEN // HEADS
SHAPES = {"self_attn.q_proj": (HIDDEN, HIDDEN), "self_attn.k_proj": (KV_HEADS * HEAD_DIM, HIDDEN),
          "self_attn.v_proj": (KV_HEADS * HEAD_DIM, HIDDEN), "self_attn.o_proj": (HIDDEN, HIDDEN),
          "mlp.gate_proj": (MLP, HIDDEN), "mlp.up_proj": (MLP, HIDDEN), "mlp.down_proj": (HIDDEN, MLP)}
rng = np.random.default_rng(1)


def bf16(a):
    return ("BF16", to_bf16_bits(np.asarray(a, dtype=np.float32)))


def int4(o, i):
    q = rng.integers(-8, 8, size=(o, i), dtype=np.int64)
    return {"weight_packed": ("I32", pack_rows8(q + 8)), "weight_scale": bf16(np.full((o, i // GROUP), 2e-3)),
            "weight_shape": ("I32", np.array([o, i], dtype=np.int32))}


def fp8(o, i):
    w = rng.standard_t(5, size=(o, i)).astype(np.float32) * 0.02
    scale = np.abs(w).max(axis=1, keepdims=True) / 448.0
    return {"weight": ("F8_E4M3", to_e4m3(w / scale)), "weight_scale": bf16(scale)}


def fp8_uniform(o, i):
    codes = rng.integers(0, 0x70, size=(o, i), dtype=np.uint8) | (rng.integers(0, 2, size=(o, i), dtype=np.uint8) << 7)
    return {"weight": ("F8_E4M3", codes), "weight_scale": bf16(np.full((o, 1), 1e-3))}


def quantization_config(kind):
    if kind == "int4":
        weights = {"dynamic": False, "group_size": GROUP, "num_bits": 4, "strategy": "group", "symmetric": True,
                   "type": "int"}
        acts, fmt = None, "pack-quantized"
    else:
        weights = {"dynamic": False, "num_bits": 8, "strategy": "channel", "symmetric": True, "type": "float"}
        acts = {"dynamic": True, "num_bits": 8, "strategy": "token", "symmetric": True, "type": "float"}
        fmt = "float-quantized"
    return {"config_groups": {"group_0": {"input_activations": acts, "output_activations": None,
                                          "targets": ["Linear"], "weights": weights}},
            "format": fmt, "ignore": ["lm_head"], "quant_method": "compressed-tensors",
            "quantization_status": "compressed"}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench/.cache/hf"
    source = json.load(open(os.path.join(SOURCE, "config.json")))
    config = dict(source, hidden_size=HIDDEN, intermediate_size=MLP, num_hidden_layers=LAYERS,
                  num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=HEAD_DIM,
                  tie_word_embeddings=False)
    common = {"model.embed_tokens.weight": bf16(rng.standard_normal((VOCAB, HIDDEN), dtype=np.float32) * 0.02),
              "lm_head.weight": bf16(rng.standard_normal((VOCAB, HIDDEN), dtype=np.float32) * 0.02),
              "model.norm.weight": bf16(np.ones(HIDDEN))}
    for name, quantize, kind in (("int4", int4, "int4"), ("fp8", fp8, "fp8"), ("fp8-uniform", fp8_uniform, "fp8")):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        tensors = dict(common)
        for layer in range(LAYERS):
            prefix = f"model.layers.{layer}."
            tensors[prefix + "input_layernorm.weight"] = bf16(np.ones(HIDDEN))
            tensors[prefix + "post_attention_layernorm.weight"] = bf16(np.ones(HIDDEN))
            for module, (o, i) in SHAPES.items():
                for suffix, t in quantize(o, i).items():
                    tensors[prefix + module + "." + suffix] = t
        write_safetensors(os.path.join(d, "model.safetensors"), tensors)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(dict(config, quantization_config=quantization_config(kind)), f, indent=1)
        for f in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
            shutil.copy(os.path.join(SOURCE, f), d)
        print("wrote", d)


if __name__ == "__main__":
    main()
