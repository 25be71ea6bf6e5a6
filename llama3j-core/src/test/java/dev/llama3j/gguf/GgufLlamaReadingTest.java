package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.model.GgufModelSource;
import dev.llama3j.model.HuggingFaceSource;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.ModelSources;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a Llama's config and tokenizer from GGUF metadata, and refusing, by name, what is not Llama 3. */
class GgufLlamaReadingTest {
    @TempDir
    Path dir;

    /** The 256 byte tokens in GPT-2's byte-to-unicode spelling (ids = byte order), "ab", then four specials. */
    static final String[] TOKENS = new String[261];
    static final int[] TYPES = new int[261];

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            TOKENS[b] = String.valueOf((char) (printable ? b : 256 + extra++));
            TYPES[b] = 1;
        }
        String[] rest = {"ab", "<|begin_of_text|>", "<|end_of_text|>", "<|eom_id|>", "<|eot_id|>"};
        for (int i = 0; i < rest.length; i++) {
            TOKENS[256 + i] = rest[i];
            TYPES[256 + i] = i == 0 ? 1 : 3;
        }
    }

    /** A metadata-only Llama 3 style file (tiny vocabulary), changed by {@code edit} before writing. */
    private Path file(String name, Consumer<GgufWriter> edit) {
        GgufWriter w = new GgufWriter()
                .putString(GgufKeys.GENERAL_ARCHITECTURE, GgufKeys.ARCHITECTURE_LLAMA)
                .putUint32(GgufKeys.LLAMA_CONTEXT_LENGTH, 8192)
                .putUint32(GgufKeys.LLAMA_EMBEDDING_LENGTH, 64)
                .putUint32(GgufKeys.LLAMA_BLOCK_COUNT, 2)
                .putUint32(GgufKeys.LLAMA_FEED_FORWARD_LENGTH, 128)
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT, 4)
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT_KV, 2)
                .putFloat32(GgufKeys.LLAMA_ROPE_FREQ_BASE, 500000f)
                .putFloat32(GgufKeys.LLAMA_RMS_EPS, 1e-5f)
                .putString(GgufKeys.TOKENIZER_MODEL, GgufKeys.TOKENIZER_MODEL_GPT2)
                .putString(GgufKeys.TOKENIZER_PRE, GgufKeys.TOKENIZER_PRE_LLAMA_BPE)
                .put(GgufKeys.TOKENIZER_TOKENS, GgufValue.stringArray(TOKENS))
                .put(GgufKeys.TOKENIZER_TOKEN_TYPE, GgufValue.int32Array(TYPES))
                .put(GgufKeys.TOKENIZER_MERGES, GgufValue.stringArray("a b"))
                .putUint32(GgufKeys.TOKENIZER_BOS_ID, 257)
                .putUint32(GgufKeys.TOKENIZER_EOS_ID, 260)
                .putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, "{{ bos_token }}");
        edit.accept(w);
        Path p = dir.resolve(name);
        w.write(p);
        return p;
    }

    @Test
    void configAndTokenizerFromMetadata() {
        try (GgufFile f = GgufFile.open(file("ok.gguf", w -> {}))) {
            LlamaConfig c = LlamaConfig.fromGguf(f);
            assertEquals(261, c.vocabSize(), "from the token list when llama.vocab_size is absent");
            assertEquals(16, c.headDim(), "embedding_length / head_count");
            assertEquals(500000.0, c.ropeTheta());
            assertTrue(c.tieWordEmbeddings(), "no output.weight");
            assertEquals(257, c.bosTokenId());
            // EOS from the key, then the texts llama.cpp also ends on.
            assertArrayEquals(new int[] {260, 259, 258}, c.eosTokenIds());
            Tokenizer t = GgufVocabulary.tokenizer(f);
            assertArrayEquals(new int[] {256, 260}, t.encode("ab<|eot_id|>", true));
            assertEquals("{{ bos_token }}", GgufVocabulary.chatTemplate(f).orElseThrow());
        }
    }

    @Test
    void formatIsToldByMagicNotName() throws Exception {
        Path p = file("ok.gguf", w -> {});
        Path renamed = Files.copy(p, dir.resolve("model.bin"));
        assertEquals(GgufModelSource.FORMAT, ModelSources.formatOf(renamed));
        assertEquals(HuggingFaceSource.FORMAT, ModelSources.formatOf(dir));
    }

    private void refused(Class<? extends Llama3jException> type, Consumer<GgufWriter> edit, String... words) {
        Path p = file("bad.gguf", edit);
        try (GgufFile f = GgufFile.open(p)) {
            Llama3jException e = assertThrows(type, () -> {
                LlamaConfig.fromGguf(f);
                GgufVocabulary.tokenizer(f);
            });
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            for (String w : words) {
                assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
            }
        }
    }

    @Test
    void otherArchitecture() {
        refused(UnsupportedModelException.class, w -> w.putString(GgufKeys.GENERAL_ARCHITECTURE, "qwen2"),
                "general.architecture is 'qwen2'", "'llama'");
    }

    @Test
    void sentencePieceTokenizer() {
        refused(UnsupportedModelException.class, w -> w.putString(GgufKeys.TOKENIZER_MODEL, "llama"),
                "tokenizer.ggml.model is 'llama'", "SentencePiece", "'gpt2'");
    }

    @Test
    void otherPreTokenizer() {
        refused(UnsupportedModelException.class, w -> w.putString(GgufKeys.TOKENIZER_PRE, "qwen2"),
                "tokenizer.ggml.pre is 'qwen2'", "llama-bpe");
    }

    @Test
    void missingPreTokenizer() {
        refused(UnsupportedModelException.class, w -> w.remove(GgufKeys.TOKENIZER_PRE), "tokenizer.ggml.pre is missing");
    }

    @Test
    void otherRopeScaling() {
        refused(UnsupportedModelException.class, w -> w.putString(GgufKeys.LLAMA_ROPE_SCALING_TYPE, "yarn"),
                "llama.rope.scaling.type is 'yarn'");
    }

    @Test
    void partialRotaryEmbeddings() {
        refused(UnsupportedModelException.class, w -> w.putUint32(GgufKeys.LLAMA_ROPE_DIMENSION_COUNT, 8),
                "llama.rope.dimension_count is 8", "16 dimensions");
    }

    @Test
    void mergeOutsideTheVocabulary() {
        refused(Llama3jException.class, w -> w.put(GgufKeys.TOKENIZER_MERGES, GgufValue.stringArray("a ab")),
                "merge 0", "\"aab\"");
    }

    @Test
    void missingHyperparameter() {
        refused(Llama3jException.class, w -> w.remove(GgufKeys.LLAMA_BLOCK_COUNT), "'llama.block_count' is missing");
    }
}
