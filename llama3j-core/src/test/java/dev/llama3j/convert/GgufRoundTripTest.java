package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models converted to GGUF run like their Hugging Face checkpoints. The random model in F32 and BF16:
 * last-position logits within 1e-3 of the transformers goldens, the same top-10 at every position, the
 * same greedy continuation; the chat model in F32: its 18 probes. (The checkpoints are bf16, so BF16 is
 * lossless and F32 exact.)
 */
class GgufRoundTripTest {
    static LlamaModel f32;
    static LlamaModel bf16;
    static LlamaModel chat;

    @BeforeAll
    static void convert() {
        f32 = ModelLoader.load(ConvertedModels.get("random", GgufFileType.ALL_F32), 2, 256);
        bf16 = ModelLoader.load(ConvertedModels.get("random", GgufFileType.MOSTLY_BF16), 2, 256);
        chat = ModelLoader.load(ConvertedModels.get("chat", GgufFileType.ALL_F32), 2, 512);
    }

    @AfterAll
    static void close() {
        if (f32 != null) {
            f32.close();
        }
        if (bf16 != null) {
            bf16.close();
        }
        if (chat != null) {
            chat.close();
        }
    }

    /** The demo chat model (sharded, tied embeddings, transformers-5 config) through GGUF: its 18 probes. */
    @Test
    @SuppressWarnings("unchecked")
    void chatModelProbesGiveGoldenGreedyTokens() {
        assertTrue(chat.config().tieWordEmbeddings());
        List<Map<String, Object>> probes =
                (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model")).get("probes");
        int vocab = chat.config().vocabSize();
        for (Map<String, Object> p : probes) {
            int[] prompt = Fixtures.ints(p.get("prompt_ids"));
            int[] golden = Fixtures.ints(p.get("greedy"));
            String what = String.valueOf(p.get("greedy_text"));
            assertArrayEquals(golden, ParityUtil.greedy(chat, prompt, golden.length), what);
            Map<String, Object> top = (Map<String, Object>) p.get("top10_first");
            float[][] first = ParityUtil.logitsAt(chat, prompt, new int[] {prompt.length - 1});
            ParityUtil.assertTop10(what, first[0], 0, vocab, Fixtures.ints(top.get("ids")),
                    (List<Object>) top.get("values"));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"hello, f32", "multilingual, f32", "hello, bf16", "multilingual, bf16"})
    @SuppressWarnings("unchecked")
    void matchesGoldens(String name, String type) {
        LlamaModel model = type.equals("f32") ? f32 : bf16;
        Map<String, Object> c = goldenCase(name);
        int[] ids = Fixtures.ints(c.get("ids"));
        int vocab = model.config().vocabSize();
        float[] all = ParityUtil.allLogits(model, ids);
        float[] golden = Fixtures.f32((String) ((Map<String, Object>) c.get("last_logits")).get("file"));
        float maxAbs = 0;
        for (int i = 0; i < vocab; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(all[(ids.length - 1) * vocab + i] - golden[i]));
        }
        assertTrue(maxAbs < 1e-3, name + " " + type + ": last logits max abs diff " + maxAbs);
        for (Map<String, Object> t : (List<Map<String, Object>>) c.get("top10")) {
            int pos = ((Number) t.get("pos")).intValue();
            ParityUtil.assertTop10(name + " " + type + " pos " + pos, all, pos * vocab, vocab,
                    Fixtures.ints(t.get("ids")), (List<Object>) t.get("values"));
        }
        assertArrayEquals(Fixtures.ints(c.get("greedy24")), ParityUtil.greedy(model, ids, 24), name + " greedy");
    }

    static Map<String, Object> goldenCase(String name) {
        for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no golden case " + name);
    }

    @Test
    void configReadBackFromMetadata() {
        var c = f32.config();
        assertEquals(64, c.hiddenSize());
        assertEquals(224, c.intermediateSize());
        assertEquals(2, c.numLayers());
        assertEquals(4, c.numHeads());
        assertEquals(2, c.numKvHeads());
        assertEquals(16, c.headDim());
        assertEquals(128256, c.vocabSize());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(128000, c.bosTokenId());
    }
}
