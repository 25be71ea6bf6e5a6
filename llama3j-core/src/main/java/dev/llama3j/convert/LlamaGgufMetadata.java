package dev.llama3j.convert;

import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.tokenizer.TokenizerVocabulary;

/**
 * The metadata of a Llama GGUF file, keys and value types as {@code convert_hf_to_gguf.py} writes them
 * for a Llama 3 checkpoint: {@code general.*}, the {@code llama.*} hyperparameters, the tokenizer
 * ({@link GgufVocabulary#write}) and {@code general.quantization_version}.
 *
 * <p>Llama 3.1's llama3 RoPE scaling has no keys: it travels as the {@code rope_freqs.weight} tensor.
 */
final class LlamaGgufMetadata {
    private LlamaGgufMetadata() {}

    /** Writes everything but the tensors; {@code chatTemplate} may be null. */
    static void write(GgufWriter w, LlamaConfig c, String name, GgufFileType fileType, TokenizerVocabulary vocab,
            String chatTemplate) {
        w.putString(GgufKeys.GENERAL_ARCHITECTURE, GgufKeys.ARCHITECTURE_LLAMA);
        w.putString(GgufKeys.GENERAL_TYPE, "model");
        w.putString(GgufKeys.GENERAL_NAME, name);
        w.putUint32(GgufKeys.LLAMA_BLOCK_COUNT, c.numLayers());
        w.putUint32(GgufKeys.LLAMA_CONTEXT_LENGTH, c.maxPositions());
        w.putUint32(GgufKeys.LLAMA_EMBEDDING_LENGTH, c.hiddenSize());
        w.putUint32(GgufKeys.LLAMA_FEED_FORWARD_LENGTH, c.intermediateSize());
        w.putUint32(GgufKeys.LLAMA_HEAD_COUNT, c.numHeads());
        w.putUint32(GgufKeys.LLAMA_HEAD_COUNT_KV, c.numKvHeads());
        w.putFloat32(GgufKeys.LLAMA_ROPE_FREQ_BASE, (float) c.ropeTheta());
        w.putFloat32(GgufKeys.LLAMA_RMS_EPS, c.rmsNormEps());
        // convert_hf_to_gguf.py writes these two only when config.json has head_dim; llama.cpp then
        // defaults them to embedding_length / head_count, so writing them always says the same.
        w.putUint32(GgufKeys.LLAMA_KEY_LENGTH, c.headDim());
        w.putUint32(GgufKeys.LLAMA_VALUE_LENGTH, c.headDim());
        w.putUint32(GgufKeys.GENERAL_FILE_TYPE, fileType.id);
        w.putUint32(GgufKeys.LLAMA_VOCAB_SIZE, c.vocabSize());
        w.putUint32(GgufKeys.LLAMA_ROPE_DIMENSION_COUNT, c.headDim());
        GgufVocabulary.write(w, vocab, chatTemplate);
        w.putUint32(GgufKeys.GENERAL_QUANTIZATION_VERSION, GgufKeys.QUANTIZATION_VERSION);
    }
}
