package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The random model converted to F32 and BF16 GGUF runs like the Hugging Face checkpoint: last-position
 * logits within 1e-3 of the transformers goldens, the same top-10 at every position, the same greedy
 * continuation. (The checkpoint is bf16, so BF16 is lossless and F32 exact.)
 */
class GgufRoundTripTest {
    @TempDir
    static Path tmp;

    static LlamaModel f32;
    static LlamaModel bf16;

    @BeforeAll
    static void convert() {
        Path f32File = tmp.resolve("random-f32.gguf");
        Path bf16File = tmp.resolve("random-bf16.gguf");
        HfToGgufConverter.convert(Fixtures.randomModel(), f32File, GgufFileType.ALL_F32, ConversionProgress.NONE);
        HfToGgufConverter.convert(Fixtures.randomModel(), bf16File, GgufFileType.MOSTLY_BF16, ConversionProgress.NONE);
        f32 = ModelLoader.load(f32File, 2, 256);
        bf16 = ModelLoader.load(bf16File, 2, 256);
    }

    @AfterAll
    static void close() {
        f32.close();
        bf16.close();
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

    @org.junit.jupiter.api.Test
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
