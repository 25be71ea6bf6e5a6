#!/usr/bin/env python3
"""Write a random-weight Llama GGUF for testing the reference tooling (llama-ref.mjs, llama-bench).

Test fixtures only: the weights are noise (N(0, std)), so generated text is meaningless, but the
file is a structurally valid llama model that llama.cpp loads and runs. The tokenizer metadata is
copied from a vocab-only GGUF (default: llama.cpp's models/ggml-vocab-llama-bpe.gguf, the real
Llama 3 BPE vocabulary, 128256 tokens), so token ids match Llama 3.

Needs numpy and llama.cpp's gguf-py (taken from the build-native.sh clone, no pip needed):

  python3 tools/llama-cpp/make-test-gguf.py --shape tiny --out /tmp/tiny.gguf
  python3 tools/llama-cpp/make-test-gguf.py --shape 1b --dtype f16 --out /tmp/1b-f16.gguf
  # then quantize natively, e.g.
  tools/llama-cpp/.cache/llama.cpp/build/bin/llama-quantize /tmp/1b-f16.gguf /tmp/1b-q8_0.gguf Q8_0

Tensors are generated and streamed one at a time, so memory stays at about one tensor.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LLAMA_CPP = os.path.join(HERE, ".cache", "llama.cpp")
sys.path.insert(0, os.path.join(LLAMA_CPP, "gguf-py"))

import numpy as np  # noqa: E402

try:
    import gguf  # noqa: E402
except ImportError:
    sys.exit(f"gguf-py not found under {LLAMA_CPP}; run tools/llama-cpp/build-native.sh first")

# name: (hidden, layers, heads, kv_heads, ffn, tied, rope_theta, ctx)
SHAPES = {
    "tiny": (64, 2, 4, 2, 128, False, 500000.0, 2048),
    "small": (256, 4, 8, 4, 768, False, 500000.0, 4096),
    "1b": (2048, 16, 32, 8, 8192, True, 500000.0, 131072),   # Llama-3.2-1B
    "8b": (4096, 32, 32, 8, 14336, False, 500000.0, 131072), # Llama-3.1-8B
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", choices=SHAPES, default="tiny")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32", help="type of the 2-D weights (norms stay f32)")
    ap.add_argument("--vocab", default=os.path.join(LLAMA_CPP, "models", "ggml-vocab-llama-bpe.gguf"),
                    help="vocab-only GGUF to copy tokenizer.* metadata from")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--std", type=float, default=0.02)
    ap.add_argument("--eos-id", type=int, default=None,
                    help="override tokenizer.ggml.eos_token_id (to test stop/no-stop at EOS with random weights)")
    ap.add_argument("--tied", choices=["auto", "yes", "no"], default="auto",
                    help="tie output to token_embd (auto: as the real shape; tiny/small are untied so that "
                         "greedy output is not just the last token repeated)")
    args = ap.parse_args()

    hidden, layers, heads, kv_heads, ffn, tied, theta, ctx = SHAPES[args.shape]
    if args.tied != "auto":
        tied = args.tied == "yes"
    head_dim = hidden // heads
    wtype = np.float16 if args.dtype == "f16" else np.float32

    vocab = gguf.GGUFReader(args.vocab)
    fields = vocab.fields
    n_vocab = len(fields["tokenizer.ggml.tokens"].contents())

    w = gguf.GGUFWriter(args.out, "llama")
    w.add_name(f"llama3j-synthetic-{args.shape}")
    w.add_block_count(layers)
    w.add_context_length(ctx)
    w.add_embedding_length(hidden)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(theta)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(head_dim)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if args.dtype == "f16" else gguf.LlamaFileType.ALL_F32)

    # copy the tokenizer verbatim
    for key, f in fields.items():
        if not key.startswith("tokenizer."):
            continue
        if key == "tokenizer.ggml.eos_token_id" and args.eos_id is not None:
            w.add_eos_token_id(args.eos_id)
            continue
        vtype = f.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            w.add_array(key, f.contents())
        else:
            w.add_key_value(key, f.contents(), vtype)

    # (name, numpy shape [rows, cols] == ggml ne reversed, is_norm)
    specs = [("token_embd.weight", (n_vocab, hidden), False)]
    for i in range(layers):
        p = f"blk.{i}."
        specs += [
            (p + "attn_norm.weight", (hidden,), True),
            (p + "attn_q.weight", (heads * head_dim, hidden), False),
            (p + "attn_k.weight", (kv_heads * head_dim, hidden), False),
            (p + "attn_v.weight", (kv_heads * head_dim, hidden), False),
            (p + "attn_output.weight", (hidden, heads * head_dim), False),
            (p + "ffn_norm.weight", (hidden,), True),
            (p + "ffn_gate.weight", (ffn, hidden), False),
            (p + "ffn_up.weight", (ffn, hidden), False),
            (p + "ffn_down.weight", (hidden, ffn), False),
        ]
    specs.append(("output_norm.weight", (hidden,), True))
    if not tied:
        specs.append(("output.weight", (n_vocab, hidden), False))

    for name, shape, is_norm in specs:
        dt = np.dtype(np.float32) if is_norm else np.dtype(wtype)
        w.add_tensor_info(name, shape, dt, int(np.prod(shape)) * dt.itemsize)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    rng = np.random.default_rng(args.seed)
    n_params = 0
    for name, shape, is_norm in specs:
        if is_norm:
            t = np.ones(shape, dtype=np.float32)
        else:
            t = rng.standard_normal(shape, dtype=np.float32)
            t *= args.std
            t = t.astype(wtype, copy=False)
        n_params += t.size
        w.write_tensor_data(t)
    w.close()
    print(f"wrote {args.out}: shape={args.shape} hidden={hidden} layers={layers} heads={heads}/{kv_heads} "
          f"ffn={ffn} vocab={n_vocab} tied={tied} dtype={args.dtype} params={n_params / 1e6:.1f}M "
          f"size={os.path.getsize(args.out) / 2**20:.1f} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
