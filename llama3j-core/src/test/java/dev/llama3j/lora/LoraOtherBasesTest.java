package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.UnsupportedModelException;
import dev.llama3j.gguf.RotaryPermutation;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.model.RopeLayout;
import dev.llama3j.model.RopeTables;
import dev.llama3j.model.SafetensorsSource;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import dev.llama3j.testing.Fixtures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The adapter on bases stored otherwise than the bf16 Hugging Face checkpoint: every matrix in F32 or
 * Q8_0, Q and K rows in Hugging Face order or permuted as GGUF files store them (llama.cpp's RoPE
 * layout), built in memory from the fixture.
 */
class LoraOtherBasesTest {
    private static final int MAX_BATCH = 256;

    /** The fixture's weights re-stored as {@code type}, with GGUF's Q/K row order when {@code gguf}. */
    static LlamaModel base(GgmlType type, boolean gguf, LoraOptions lora) {
        var dir = Fixtures.randomModel();
        LlamaConfig config = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
        Arena arena = Arena.ofShared();
        WorkerPool pool = new WorkerPool(2);
        LlamaWeights restored;
        try (SafetensorsCheckpoint cp = SafetensorsCheckpoint.open(dir)) {
            SafetensorsSource src = new SafetensorsSource(dir, cp);
            LlamaWeights hf = src.loadWeights(config, RopeTables.of(config, RopeLayout.HALF));
            LayerWeights[] layers = new LayerWeights[config.numLayers()];
            for (int l = 0; l < layers.length; l++) {
                LayerWeights w = hf.layers()[l];
                int qHeads = gguf ? config.numHeads() : 0;
                int kHeads = gguf ? config.numKvHeads() : 0;
                layers[l] = new LayerWeights(w.attnNorm(), restore(w.wq(), type, qHeads, arena),
                        restore(w.wk(), type, kHeads, arena), restore(w.wv(), type, 0, arena),
                        restore(w.wo(), type, 0, arena), w.ffnNorm(), restore(w.wGate(), type, 0, arena),
                        restore(w.wUp(), type, 0, arena), restore(w.wDown(), type, 0, arena));
            }
            restored = new LlamaWeights(restore(hf.tokenEmbedding(), type, 0, arena), layers, hf.finalNorm(),
                    restore(hf.lmHead(), type, 0, arena),
                    RopeTables.of(config, gguf ? RopeLayout.INTERLEAVED : RopeLayout.HALF));
        }
        try {
            AdaptedWeights a = LoraLoader.apply(config, restored, lora, pool, arena, MAX_BATCH);
            return new LlamaModel(config, a.weights().optimized(arena, pool), pool, arena::close, MAX_BATCH,
                    a.adapters());
        } catch (RuntimeException e) {
            pool.close();
            arena.close();
            throw e;
        }
    }

    /** A copy of {@code m} in {@code type}, rows permuted into GGUF order when {@code heads > 0}. */
    private static WeightMatrix restore(WeightMatrix m, GgmlType type, int heads, Arena arena) {
        float[] f = new float[m.rows() * m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, f, r * m.cols());
        }
        if (heads > 0) {
            f = RotaryPermutation.hfToGguf(f, m.rows(), m.cols(), heads);
        }
        byte[] bytes = Quantizer.quantize(type, f);
        MemorySegment seg = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return WeightMatrix.of(m.name(), type, m.rows(), m.cols(), seg);
    }

    /** An fp32 base in GGUF's row order: B's Q and K rows must follow, merged and unmerged. */
    @Test
    void ggufRowOrderMergedAndUnmerged() {
        for (LoraMode mode : new LoraMode[] {LoraMode.MERGED, LoraMode.UNMERGED}) {
            try (LlamaModel m = base(GgmlType.F32, true, LoraOptions.of(mode, LoraGoldens.spec()))) {
                int adapter = mode == LoraMode.MERGED ? 0 : 1;
                for (String name : new String[] {"hello", "multilingual"}) {
                    LoraGoldens.check("f32 gguf-order " + mode, m, adapter, LoraGoldens.loraCase(name));
                }
            }
        }
    }

    @Test
    void quantizedBaseCannotBeMerged() {
        var e = assertThrows(UnsupportedModelException.class,
                () -> base(GgmlType.Q8_0, false, LoraOptions.of(LoraMode.MERGED, LoraGoldens.spec())));
        assertTrue(e.getMessage().contains("Q8_0") && e.getMessage().contains("unmerged"), e.getMessage());
        try (LlamaModel m = base(GgmlType.Q8_0, false, LoraOptions.of(LoraMode.AUTO, LoraGoldens.spec()))) {
            assertEquals(java.util.List.of(LoraGoldens.ADAPTER), m.adapters().selectable(), "auto falls back to unmerged");
        }
    }

    /**
     * A Q8_0 base (GGUF row order, as a Q8_0 GGUF holds it) with the adapter unmerged gives the golden
     * greedy tokens wherever the margin allows: the golden continuation is fed in and each step's argmax
     * must be the golden token when the fp32 top-1 leads the runner-up by more than four times the RMS
     * of the logit drift that Q8_0 (8-bit weights and activations) causes at that step. The base's own
     * drift is printed beside it.
     */
    @Test
    void q8BaseUnmergedKeepsGreedyTokens() {
        try (LlamaModel q8 = base(GgmlType.Q8_0, true, LoraOptions.of(LoraMode.UNMERGED, LoraGoldens.spec()));
                LlamaModel f32 = base(GgmlType.F32, true, LoraOptions.of(LoraMode.UNMERGED, LoraGoldens.spec()))) {
            assertEquals(GgmlType.Q8_0, q8.weights().layers()[0].wq().type(), "the base stays quantized");
            int vocab = q8.config().vocabSize();
            for (String name : new String[] {"hello", "multilingual"}) {
                Map<String, Object> c = LoraGoldens.loraCase(name);
                int[] ids = LoraGoldens.ids(c);
                int[] golden = LoraGoldens.greedy24(c);
                int[] seq = java.util.Arrays.copyOf(ids, ids.length + golden.length);
                System.arraycopy(golden, 0, seq, ids.length, golden.length);
                float[] lq = ParityUtil.allLogits(q8, seq, 1);
                float[] lf = ParityUtil.allLogits(f32, seq, 1);
                int checked = 0;
                double adapterRms = 0;
                for (int i = 0; i < golden.length; i++) {
                    int off = (ids.length - 1 + i) * vocab;
                    float rms = rms(lq, lf, off, vocab);
                    adapterRms = Math.max(adapterRms, rms);
                    int[] top = ParityUtil.topK(lf, off, vocab, 2);
                    assertEquals(golden[i], top[0], name + " fp32 reference at step " + i);
                    float margin = lf[off + top[0]] - lf[off + top[1]];
                    if (margin > 4 * rms) {
                        checked++;
                        assertEquals(golden[i], ParityUtil.argmax(lq, off, vocab), name + " Q8_0 at step " + i
                                + " (fp32 margin " + margin + ", Q8_0 drift RMS " + rms + ")");
                    }
                }
                // The same drift measured on the base alone (adapter 0 in both models).
                float[] bq = ParityUtil.allLogits(q8, seq, 0);
                float[] bf = ParityUtil.allLogits(f32, seq, 0);
                double baseRms = 0;
                for (int i = 0; i < golden.length; i++) {
                    baseRms = Math.max(baseRms, rms(bq, bf, (ids.length - 1 + i) * vocab, vocab));
                }
                System.out.printf("q8_0 %s: greedy tokens checked %d/24 (the others within the drift); logit"
                        + " drift RMS at most %.3f with the adapter, %.3f for the base%n", name, checked,
                        adapterRms, baseRms);
                assertTrue(checked >= 12, name + ": only " + checked + " steps had a clear margin");
                // The first greedy token without the adapter differs: the side path really ran.
                int[] baseGreedy = ParityUtil.greedy(q8, ids, 1, KvCacheType.F32, 0);
                assertNotEquals(golden[0], baseGreedy[0]);
            }
        }
    }

    private static float rms(float[] a, float[] b, int off, int n) {
        double ss = 0;
        for (int v = 0; v < n; v++) {
            double d = a[off + v] - b[off + v];
            ss += d * d;
        }
        return (float) Math.sqrt(ss / n);
    }
}
