package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.Llama3RopeFactors;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.gguf.RotaryPermutation;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.SafetensorsTensors;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.TokenType;
import dev.llama3j.tokenizer.Tokenizer;
import dev.llama3j.tokenizer.TokenizerVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** What {@link HfToGgufConverter} writes: layout, types, metadata, as llama.cpp's tools write them. */
class HfToGgufConverterTest {
    @Test
    void qAndKRowsArePermutedForLlamaCppsRotaryLayout() {
        Path file = ConvertedModels.get("random", GgufFileType.ALL_F32);
        LlamaConfig c = LlamaConfig.fromHuggingFace(Fixtures.randomModel().resolve("config.json"));
        try (GgufFile gguf = GgufFile.open(file);
                SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(Fixtures.randomModel())) {
            SafetensorsTensors hf = new SafetensorsTensors(Fixtures.randomModel(), ckpt);
            checkRows(gguf.tensor(LlamaGgufNames.attnQ(1)), hf.matrix("model.layers.1.self_attn.q_proj.weight",
                    c.qDim(), c.hiddenSize()), c.headDim(), true);
            checkRows(gguf.tensor(LlamaGgufNames.attnK(1)), hf.matrix("model.layers.1.self_attn.k_proj.weight",
                    c.kvDim(), c.hiddenSize()), c.headDim(), true);
            checkRows(gguf.tensor(LlamaGgufNames.attnV(1)), hf.matrix("model.layers.1.self_attn.v_proj.weight",
                    c.kvDim(), c.hiddenSize()), c.headDim(), false);
            assertArrayEquals(new long[] {c.hiddenSize(), c.intermediateSize()},
                    gguf.tensor(LlamaGgufNames.ffnUp(0)).dims(), "GGUF dims are ne0 (the row length) first");
        }
    }

    private static void checkRows(GgufTensor t, WeightMatrix hf, int headDim, boolean permuted) {
        WeightMatrix g = t.asMatrix();
        float[] a = new float[g.cols()];
        float[] b = new float[g.cols()];
        for (int r = 0; r < g.rows(); r++) {
            g.dequantizeRow(r, a, 0);
            hf.dequantizeRow(permuted ? RotaryPermutation.ggufToHfRow(r, headDim) : r, b, 0);
            assertArrayEquals(b, a, t.name() + " row " + r);
        }
    }

    @Test
    void ropeFreqsCarryLlama3Scaling() {
        try (GgufFile gguf = GgufFile.open(ConvertedModels.get("random", GgufFileType.ALL_F32))) {
            GgufTensor t = gguf.tensor(LlamaGgufNames.ROPE_FREQS);
            assertEquals(GgmlType.F32, t.type());
            assertArrayEquals(Llama3RopeFactors.compute(500000, 16, 8, 1, 4, 8192), t.toFloatArray());
            assertFalse(gguf.has(GgufKeys.LLAMA_ROPE_SCALING_TYPE), "llama.cpp writes no scaling keys for llama3");
        }
    }

    @Test
    void metadataKeysAreTheOnesConvertHfToGgufWrites() {
        try (GgufFile gguf = GgufFile.open(ConvertedModels.get("random", GgufFileType.MOSTLY_Q8_0))) {
            Set<String> expected = new TreeSet<>(List.of("general.architecture", "general.type", "general.name",
                    "general.file_type", "general.quantization_version", "general.sampling.temp",
                    "general.sampling.top_p", "llama.block_count", "llama.context_length", "llama.embedding_length",
                    "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                    "llama.rope.freq_base", "llama.attention.layer_norm_rms_epsilon", "llama.attention.key_length",
                    "llama.attention.value_length", "llama.vocab_size", "llama.rope.dimension_count",
                    "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                    "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id", "tokenizer.ggml.add_bos_token",
                    "tokenizer.chat_template"));
            assertEquals(expected, new TreeSet<>(gguf.metadata().keys()));
            assertEquals(GgufFileType.MOSTLY_Q8_0.id, gguf.getInt(GgufKeys.GENERAL_FILE_TYPE));
            assertEquals(2, gguf.getInt(GgufKeys.GENERAL_QUANTIZATION_VERSION));
            assertEquals(128000, gguf.getInt(GgufKeys.TOKENIZER_BOS_ID));
            assertEquals(128009, gguf.getInt(GgufKeys.TOKENIZER_EOS_ID), "tokenizer_config.json's eos_token");
            assertEquals("Ġ Ġ", gguf.getStringArray(GgufKeys.TOKENIZER_MERGES)[0]);
            String[] tokens = gguf.getStringArray(GgufKeys.TOKENIZER_TOKENS);
            int[] types = gguf.getIntArray(GgufKeys.TOKENIZER_TOKEN_TYPE);
            assertEquals("Ġthe", tokens[279]);
            assertEquals(TokenType.NORMAL, types[279]);
            assertEquals("<|eot_id|>", tokens[128009]);
            assertEquals(TokenType.CONTROL, types[128009]);
            assertEquals(TokenType.CONTROL, types[128255]);
            assertEquals(0.6f, gguf.getFloat(GenerationConfig.GGUF_TEMP));
        }
    }

    @Test
    void tensorTypesFollowLlamaCpp() {
        try (GgufFile q8 = GgufFile.open(ConvertedModels.get("random", GgufFileType.MOSTLY_Q8_0));
                GgufFile q4 = GgufFile.open(ConvertedModels.get("random", GgufFileType.MOSTLY_Q4_0));
                GgufFile tiedQ4 = GgufFile.open(ConvertedModels.get("chat", GgufFileType.MOSTLY_Q4_0))) {
            for (GgufTensor t : q8.tensors().values()) {
                assertEquals(t.nDims() == 1 ? GgmlType.F32 : GgmlType.Q8_0, t.type(), t.name());
            }
            assertEquals(GgmlType.Q4_0, q4.tensor(LlamaGgufNames.TOKEN_EMBD).type());
            assertEquals(GgmlType.Q4_0, q4.tensor(LlamaGgufNames.ffnDown(1)).type());
            assertEquals(GgmlType.F32, q4.tensor(LlamaGgufNames.ffnNorm(1)).type());
            // Q6_K needs rows of 256; these have 64, so llama-quantize falls back to Q8_0.
            assertEquals(GgmlType.Q8_0, q4.tensor(LlamaGgufNames.OUTPUT).type());
            assertFalse(tiedQ4.hasTensor(LlamaGgufNames.OUTPUT));
            assertEquals(GgmlType.Q8_0, tiedQ4.tensor(LlamaGgufNames.TOKEN_EMBD).type(), "tied: the output's type");
        }
    }

    @Test
    void recipeForRealShapes() {
        long[] embd = {4096, 128256};
        assertEquals(GgmlType.Q6_K, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q4_0, "output.weight", embd, false));
        assertEquals(GgmlType.Q4_0, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q4_0, "token_embd.weight", embd, false));
        assertEquals(GgmlType.Q6_K, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q4_0, "token_embd.weight", embd, true));
        assertEquals(GgmlType.Q8_0, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q8_0, "output.weight", embd, false));
        assertEquals(GgmlType.F16, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q8_0, "blk.0.ffn_up.weight",
                new long[] {100, 64}, false), "rows Q8_0 blocks do not divide fall back to F16");
        assertEquals(GgmlType.F16, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_Q4_0, "blk.0.ffn_up.weight",
                new long[] {100, 64}, false));
        assertEquals(GgmlType.F32, TensorTypeRecipe.typeOf(GgufFileType.MOSTLY_BF16, "blk.0.attn_norm.weight",
                new long[] {4096}, false));
        assertEquals(GgufFileType.MOSTLY_Q4_0, TensorTypeRecipe.parse("Q4_0"));
    }

    @Test
    void vocabularyIsPaddedToTheModelsVocabSize() {
        TokenizerVocabulary v = new TokenizerVocabulary(List.of("a", "b"), new int[] {1, 1}, List.of("a b"), -1, -1);
        TokenizerVocabulary p = HfToGgufConverter.padded(v, 4, Path.of("m"));
        assertEquals(List.of("a", "b", "[PAD2]", "[PAD3]"), p.tokens());
        assertArrayEquals(new int[] {1, 1, TokenType.UNUSED, TokenType.UNUSED}, p.tokenTypes());
    }

    @Test
    void llamaLoadsTheGgufWithTokenizerTemplateAndDefaults() throws Exception {
        Path file = ConvertedModels.get("chat", GgufFileType.MOSTLY_Q8_0);
        try (Llama llama = Llama.load(file, LlamaOptions.defaults().withThreads(2))) {
            assertEquals(Tokenizer.readChatTemplate(Fixtures.chatModel()).orElseThrow(), llama.chatTemplate().source());
            assertFalse(llama.chatTemplate().isBuiltIn());
            assertEquals("<|begin_of_text|>", llama.chatTemplate().bosToken());
            assertEquals("<|eot_id|>", llama.chatTemplate().eosToken());
            assertEquals(Set.of(128001, 128008, 128009),
                    Set.copyOf(java.util.Arrays.stream(llama.eosIds()).boxed().toList()));
            assertEquals(0.6f, llama.generationConfig().sampling().temperature());
            assertEquals(0.9f, llama.generationConfig().sampling().topP());
            int[] ids = llama.tokenizer().encode("Hello<|eot_id|>", true);
            assertArrayEquals(new int[] {9906, 128009}, ids);
            assertTrue(Files.size(file) < 40 << 20);
        }
    }
}
