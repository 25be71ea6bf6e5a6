package dev.llama3j.gguf;

/**
 * GGUF metadata keys that llama3j reads and writes, spelled as llama.cpp's {@code gguf-py/gguf/constants.py}
 * ({@code Keys}) spells them, with the value type {@code convert_hf_to_gguf.py} writes for a Llama model.
 * Keys under the architecture name are given for {@code llama}.
 */
public final class GgufKeys {
    private GgufKeys() {}

    // ---- general ----
    /** STRING; {@value #ARCHITECTURE_LLAMA} for Llama 1/2/3/3.1/3.2 text models. */
    public static final String GENERAL_ARCHITECTURE = "general.architecture";
    /** STRING, free text. */
    public static final String GENERAL_NAME = "general.name";
    /** STRING, {@code model} for a model file (gguf-py also knows {@code adapter}). */
    public static final String GENERAL_TYPE = "general.type";
    /** UINT32, a power of two; the data section and each tensor are aligned to it. Default 32. */
    public static final String GENERAL_ALIGNMENT = "general.alignment";
    /** UINT32, llama.cpp's {@code llama_ftype} ({@link GgufFileType}). */
    public static final String GENERAL_FILE_TYPE = "general.file_type";
    /** UINT32, {@value #QUANTIZATION_VERSION} in files with quantized tensors. */
    public static final String GENERAL_QUANTIZATION_VERSION = "general.quantization_version";

    public static final String ARCHITECTURE_LLAMA = "llama";
    /** ggml's GGML_QNT_VERSION, written by llama.cpp to files with quantized tensors. */
    public static final int QUANTIZATION_VERSION = 2;

    // ---- llama.* hyperparameters ----
    /** UINT32, {@code max_position_embeddings}. */
    public static final String LLAMA_CONTEXT_LENGTH = "llama.context_length";
    /** UINT32, {@code hidden_size}. */
    public static final String LLAMA_EMBEDDING_LENGTH = "llama.embedding_length";
    /** UINT32, {@code num_hidden_layers}. */
    public static final String LLAMA_BLOCK_COUNT = "llama.block_count";
    /** UINT32, {@code intermediate_size}. */
    public static final String LLAMA_FEED_FORWARD_LENGTH = "llama.feed_forward_length";
    /** UINT32, {@code num_attention_heads}. */
    public static final String LLAMA_HEAD_COUNT = "llama.attention.head_count";
    /** UINT32, {@code num_key_value_heads}. */
    public static final String LLAMA_HEAD_COUNT_KV = "llama.attention.head_count_kv";
    /** UINT32, {@code head_dim} when the config gives it; else head_dim = embedding_length / head_count. */
    public static final String LLAMA_KEY_LENGTH = "llama.attention.key_length";
    /** UINT32, as {@link #LLAMA_KEY_LENGTH}. */
    public static final String LLAMA_VALUE_LENGTH = "llama.attention.value_length";
    /** FLOAT32, {@code rms_norm_eps}. */
    public static final String LLAMA_RMS_EPS = "llama.attention.layer_norm_rms_epsilon";
    /** FLOAT32, {@code rope_theta}. */
    public static final String LLAMA_ROPE_FREQ_BASE = "llama.rope.freq_base";
    /** UINT32, the rotated dimensions per head (head_dim for Llama). */
    public static final String LLAMA_ROPE_DIMENSION_COUNT = "llama.rope.dimension_count";
    /** UINT32, {@code vocab_size}. */
    public static final String LLAMA_VOCAB_SIZE = "llama.vocab_size";
    /**
     * STRING, only for linear/yarn scaling. Llama 3.1's llama3 scaling is not written as keys: it is the
     * {@code rope_freqs.weight} tensor ({@link Llama3RopeFactors}).
     */
    public static final String LLAMA_ROPE_SCALING_TYPE = "llama.rope.scaling.type";
    /** FLOAT32, with {@link #LLAMA_ROPE_SCALING_TYPE}. */
    public static final String LLAMA_ROPE_SCALING_FACTOR = "llama.rope.scaling.factor";
    /** UINT32, with {@link #LLAMA_ROPE_SCALING_TYPE}. */
    public static final String LLAMA_ROPE_SCALING_ORIGINAL_CONTEXT_LENGTH = "llama.rope.scaling.original_context_length";

    // ---- tokenizer ----
    /** STRING, {@value #TOKENIZER_MODEL_GPT2} for Llama 3's byte-level BPE. */
    public static final String TOKENIZER_MODEL = "tokenizer.ggml.model";
    /** STRING, the pre-tokenizer: {@value #TOKENIZER_PRE_LLAMA_BPE} for Llama 3. */
    public static final String TOKENIZER_PRE = "tokenizer.ggml.pre";
    /** ARRAY of STRING, the token texts by id (byte-level BPE spelling, as in tokenizer.json). */
    public static final String TOKENIZER_TOKENS = "tokenizer.ggml.tokens";
    /** ARRAY of INT32, a {@code TOKEN_TYPE_*} per token. */
    public static final String TOKENIZER_TOKEN_TYPE = "tokenizer.ggml.token_type";
    /** ARRAY of STRING, the merges in rank order, each {@code "left right"} (one space). */
    public static final String TOKENIZER_MERGES = "tokenizer.ggml.merges";
    /** UINT32. */
    public static final String TOKENIZER_BOS_ID = "tokenizer.ggml.bos_token_id";
    /** UINT32. */
    public static final String TOKENIZER_EOS_ID = "tokenizer.ggml.eos_token_id";
    /** UINT32, {@code <|eot_id|>} for Llama 3.1. */
    public static final String TOKENIZER_EOT_ID = "tokenizer.ggml.eot_token_id";
    /** UINT32, {@code <|eom_id|>} for Llama 3.1. */
    public static final String TOKENIZER_EOM_ID = "tokenizer.ggml.eom_token_id";
    /** UINT32. */
    public static final String TOKENIZER_PAD_ID = "tokenizer.ggml.padding_token_id";
    /** BOOL. */
    public static final String TOKENIZER_ADD_BOS = "tokenizer.ggml.add_bos_token";
    /** BOOL. */
    public static final String TOKENIZER_ADD_EOS = "tokenizer.ggml.add_eos_token";
    /** STRING, the Jinja chat template. */
    public static final String TOKENIZER_CHAT_TEMPLATE = "tokenizer.chat_template";

    public static final String TOKENIZER_MODEL_GPT2 = "gpt2";
    public static final String TOKENIZER_PRE_LLAMA_BPE = "llama-bpe";

    // Token types (gguf-py TokenType), the values of tokenizer.ggml.token_type.
    public static final int TOKEN_TYPE_NORMAL = 1;
    public static final int TOKEN_TYPE_UNKNOWN = 2;
    public static final int TOKEN_TYPE_CONTROL = 3;
    public static final int TOKEN_TYPE_USER_DEFINED = 4;
    public static final int TOKEN_TYPE_UNUSED = 5;
    public static final int TOKEN_TYPE_BYTE = 6;
}
