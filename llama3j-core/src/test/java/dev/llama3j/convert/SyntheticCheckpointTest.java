package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ModelSources;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.model.QuantizedSource;
import dev.llama3j.model.RopeScaling;
import dev.llama3j.quant.QuantizationConfig;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random-weight folders in each published quantized format load through the quantized source and
 * generate; written on a tiny shape (hidden 64, group size 32, three layers so that fbgemm's middle layer
 * is FP8) so that each folder is 16 MB, mostly the embedding of the real vocabulary.
 */
class SyntheticCheckpointTest {
    static final LlamaConfig TINY = new LlamaConfig(128256, 64, 128, 3, 4, 2, 16, 1e-5f, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, true, 128000, new int[] {128001, 128008, 128009});

    @TempDir
    Path dir;

    @Test
    void eachFormatLoadsAndGenerates() {
        int[] prompt = {128000, 9906, 11, 1917};
        for (SyntheticCheckpoint.Format f : SyntheticCheckpoint.Format.values()) {
            Path out = dir.resolve(f.label);
            var r = SyntheticCheckpoint.write(out, TINY, f, 32, 7, Fixtures.chatModel(), ConversionProgress.NONE);
            assertTrue(r.fileBytes() > 2L * 128256 * 64, f.label + ": " + r.fileBytes() + " bytes");
            assertEquals(QuantizedSource.FORMAT, ModelSources.formatOf(out), f.label);
            QuantizationConfig q = QuantizationConfig.read(out);
            assertEquals(f == SyntheticCheckpoint.Format.CT_INT4 || f == SyntheticCheckpoint.Format.CT_FP8
                    ? "compressed-tensors" : f.label.replace('-', '_'), quantMethod(out), f.label);
            assertTrue(q.quantizes("model.layers.1.mlp.down_proj"), f.label);
            try (LlamaModel m = ModelLoader.load(out, 2, 16)) {
                float[] logits = ParityUtil.allLogits(m, prompt);
                for (float v : logits) {
                    assertTrue(Float.isFinite(v), f.label + ": a logit is " + v);
                }
                int[] tokens = ParityUtil.greedy(m, prompt, 4);
                assertEquals(4, tokens.length, f.label);
            }
        }
    }

    @Test
    void sameSeedSameFolder() throws Exception {
        SyntheticCheckpoint.write(dir.resolve("a"), TINY, SyntheticCheckpoint.Format.GPTQ, 32, 3, Fixtures.chatModel(),
                ConversionProgress.NONE);
        SyntheticCheckpoint.write(dir.resolve("b"), TINY, SyntheticCheckpoint.Format.GPTQ, 32, 3, Fixtures.chatModel(),
                ConversionProgress.NONE);
        for (String f : new String[] {"config.json", "model.safetensors.index.json", "model-00001-of-00004.safetensors",
            "model-00003-of-00004.safetensors"}) {
            assertEquals(-1L, java.nio.file.Files.mismatch(dir.resolve("a").resolve(f), dir.resolve("b").resolve(f)), f);
        }
    }

    @Test
    void badTypeAndGroupSizeAreRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SyntheticCheckpoint.Format.parse("exl2"));
        assertTrue(e.getMessage().contains("'exl2'") && e.getMessage().contains("fbgemm-fp8"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> SyntheticCheckpoint.write(dir.resolve("x"), TINY,
                SyntheticCheckpoint.Format.AWQ, 128, 1, Fixtures.chatModel(), ConversionProgress.NONE));
        assertTrue(e.getMessage().contains("group size 128 does not divide"), e.getMessage());
    }

    @SuppressWarnings("unchecked")
    private static String quantMethod(Path folder) {
        Map<String, Object> c = Json.asObject(Json.parseFile(folder.resolve("config.json")), "config");
        return (String) ((Map<String, Object>) c.get("quantization_config")).get("quant_method");
    }
}
