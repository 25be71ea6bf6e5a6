package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.sampling.TopK;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter on GGUF files of the base written by the converter (Q and K rows in llama.cpp's order,
 * {@code rope_freqs}), and merged into a GGUF by {@code convert --lora}.
 */
class LoraGgufTest {
    @TempDir
    Path tmp;

    static LlamaModel gguf(GgufFileType type, LoraMode mode) {
        return ModelLoader.load(ConvertedModels.get("random", type), 2, 256,
                LoraLoader.hook(LoraOptions.of(mode, LoraGoldens.spec())));
    }

    @Test
    void f32GgufMergedAndUnmerged() {
        for (LoraMode mode : new LoraMode[] {LoraMode.MERGED, LoraMode.UNMERGED}) {
            try (LlamaModel m = gguf(GgufFileType.ALL_F32, mode)) {
                for (String name : new String[] {"hello", "multilingual"}) {
                    LoraGoldens.check("f32 gguf " + mode, m, mode == LoraMode.MERGED ? 0 : 1,
                            LoraGoldens.loraCase(name));
                }
            }
        }
    }

    /**
     * A Q8_0 GGUF of the base with the adapter unmerged: the golden greedy tokens wherever the fp32
     * margin exceeds four times the RMS logit drift of Q8_0 at that step (the golden continuation fed
     * in, each step's argmax compared); the fp32 reference is the F32 GGUF with the same adapter.
     */
    @Test
    void q8GgufUnmergedKeepsGreedyTokens() {
        try (LlamaModel q8 = gguf(GgufFileType.MOSTLY_Q8_0, LoraMode.AUTO);
                LlamaModel f32 = gguf(GgufFileType.ALL_F32, LoraMode.UNMERGED)) {
            assertEquals(GgmlType.Q8_0, q8.weights().layers()[0].wq().type(), "the base stays quantized");
            assertEquals(java.util.List.of(LoraGoldens.ADAPTER), q8.adapters().selectable(), "auto: unmerged");
            int vocab = q8.config().vocabSize();
            for (String name : new String[] {"hello", "multilingual"}) {
                Map<String, Object> c = LoraGoldens.loraCase(name);
                int[] ids = LoraGoldens.ids(c);
                int[] golden = LoraGoldens.greedy24(c);
                int[] seq = Arrays.copyOf(ids, ids.length + golden.length);
                System.arraycopy(golden, 0, seq, ids.length, golden.length);
                float[] lq = ParityUtil.allLogits(q8, seq, 1);
                float[] lf = ParityUtil.allLogits(f32, seq, 1);
                int checked = 0;
                for (int i = 0; i < golden.length; i++) {
                    int off = (ids.length - 1 + i) * vocab;
                    float rms = rms(lq, lf, off, vocab);
                    int[] top = TopK.indices(lf, off, vocab, 2);
                    assertEquals(golden[i], top[0], name + " fp32 GGUF reference at step " + i);
                    float margin = lf[off + top[0]] - lf[off + top[1]];
                    if (margin > 4 * rms) {
                        checked++;
                        assertEquals(golden[i], ParityUtil.argmax(lq, off, vocab), name + " Q8_0 GGUF at step "
                                + i + " (fp32 margin " + margin + ", drift RMS " + rms + ")");
                    }
                }
                System.out.printf("q8_0 gguf %s: greedy tokens checked %d/24, the others within the drift%n", name,
                        checked);
                assertTrue(checked >= 12, name + ": only " + checked + " steps had a clear margin");
                assertNotEquals(golden[0], ParityUtil.greedy(q8, ids, 1, KvCacheType.F32, 0)[0],
                        "the base alone gives another first token");
            }
        }
    }

    @Test
    void quantizedBaseCannotBeMerged() {
        var e = assertThrows(UnsupportedModelException.class, () -> gguf(GgufFileType.MOSTLY_Q8_0, LoraMode.MERGED));
        assertTrue(e.getMessage().contains("Q8_0") && e.getMessage().contains("unmerged"), e.getMessage());
    }

    private static float rms(float[] a, float[] b, int off, int n) {
        double ss = 0;
        for (int v = 0; v < n; v++) {
            double d = a[off + v] - b[off + v];
            ss += d * d;
        }
        return (float) Math.sqrt(ss / n);
    }

    /** {@code convert --lora}: an F32 GGUF with the adapter merged is the adapted model, loaded plain. */
    @Test
    void convertMergesTheAdapter() {
        Path out = tmp.resolve("merged-f32.gguf");
        HfToGgufConverter.convert(Fixtures.randomModel(), out, GgufFileType.ALL_F32, ConversionProgress.NONE,
                Fixtures.loraAdapter());
        try (LlamaModel m = ModelLoader.load(out, 2, 256)) {
            assertTrue(m.adapters().names().isEmpty());
            for (String name : new String[] {"hello", "multilingual"}) {
                LoraGoldens.check("converted with --lora, f32", m, 0, LoraGoldens.loraCase(name));
            }
        }
    }

    /** Converted with the adapter to F16: rounding the merged weights keeps the greedy tokens. */
    @Test
    void convertMergesTheAdapterIntoF16() {
        Path out = tmp.resolve("merged-f16.gguf");
        HfToGgufConverter.convert(Fixtures.randomModel(), out, GgufFileType.MOSTLY_F16, ConversionProgress.NONE,
                Fixtures.loraAdapter());
        try (LlamaModel m = ModelLoader.load(out, 2, 256)) {
            for (String name : new String[] {"hello", "multilingual"}) {
                Map<String, Object> c = LoraGoldens.loraCase(name);
                int[] ids = LoraGoldens.ids(c);
                float[] all = ParityUtil.allLogits(m, ids);
                float diff = LoraGoldens.maxAbs(all, (ids.length - 1) * m.config().vocabSize(),
                        LoraGoldens.lastLogits(c));
                System.out.printf("converted with --lora, f16 %s: last logits max abs diff %.3g%n", name, diff);
                assertTrue(diff < 0.05, name + ": " + diff);
            }
        }
    }
}
