package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.model.Projection;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PEFT adapter {@code lora-tiny-random} on {@code tiny-random-llama-3.1} against PEFT's fp32
 * outputs ({@code lora} goldens), merged into the weights and as a side path; and base and adapter
 * sequences in one batch, each with its own goldens.
 */
class LoraParityTest {
    static LlamaModel merged;
    static LlamaModel unmerged;

    @BeforeAll
    static void load() {
        merged = ModelLoader.load(Fixtures.randomModel(), 2, 256,
                LoraLoader.hook(LoraOptions.of(LoraMode.MERGED, LoraGoldens.spec())));
        unmerged = ModelLoader.load(Fixtures.randomModel(), 2, 256,
                LoraLoader.hook(LoraOptions.of(LoraMode.UNMERGED, LoraGoldens.spec())));
    }

    @AfterAll
    static void close() {
        if (merged != null) {
            merged.close();
        }
        if (unmerged != null) {
            unmerged.close();
        }
    }

    @Test
    void mergedHello() {
        LoraGoldens.check("merged", merged, 0, LoraGoldens.loraCase("hello"));
    }

    @Test
    void mergedMultilingual() {
        LoraGoldens.check("merged", merged, 0, LoraGoldens.loraCase("multilingual"));
    }

    @Test
    void unmergedHello() {
        LoraGoldens.check("unmerged", unmerged, 1, LoraGoldens.loraCase("hello"));
    }

    @Test
    void unmergedMultilingual() {
        LoraGoldens.check("unmerged", unmerged, 1, LoraGoldens.loraCase("multilingual"));
    }

    /** Unmerged, a token without the adapter sees the base model untouched. */
    @Test
    void unmergedModelStillServesTheBase() {
        LoraGoldens.check("unmerged, base", unmerged, 0, LoraGoldens.baseCase("hello"));
    }

    @Test
    void modesAreWhatWasAsked() {
        assertEquals(List.of(LoraGoldens.ADAPTER), merged.adapters().merged());
        assertNull(merged.adapters().unmerged());
        assertEquals(GgmlType.F32, merged.weights().layers()[0].wq().type());
        assertEquals(GgmlType.BF16, merged.weights().tokenEmbedding().type(), "unadapted matrices stay as loaded");
        assertEquals(List.of(LoraGoldens.ADAPTER), unmerged.adapters().selectable());
        assertEquals(GgmlType.BF16, unmerged.weights().layers()[0].wq().type(), "unmerged keeps the base");
        assertEquals(1, unmerged.adapters().indexOf(LoraGoldens.ADAPTER));
        assertEquals(0, merged.adapters().indexOf(LoraGoldens.ADAPTER));
        assertEquals(-1, unmerged.adapters().indexOf("other"));
    }

    /** The adapter's numbers as PEFT saved them: r=8, alpha=16, all seven projections of both layers. */
    @Test
    void adapterConfigAndPairs() {
        LoraAdapter a = LoraAdapter.load("x", Fixtures.loraAdapter(), merged.config());
        assertEquals(8, a.config().rank());
        assertEquals(2.0f, a.scale());
        for (int l = 0; l < 2; l++) {
            for (Projection p : Projection.values()) {
                LowRank pair = a.pair(l, p);
                assertEquals(p.in(merged.config()), pair.in());
                assertEquals(p.out(merged.config()), pair.out());
                assertEquals(8, pair.rank());
            }
        }
    }

    /**
     * Base and adapter sequences share every forward pass (both prompts in one batch, then one token
     * each per step); each must give its own goldens.
     */
    @Test
    void baseAndAdapterInOneBatch() {
        for (String name : new String[] {"hello", "multilingual"}) {
            Map<String, Object> base = LoraGoldens.baseCase(name);
            Map<String, Object> lora = LoraGoldens.loraCase(name);
            int[][] prompts = {LoraGoldens.ids(base), LoraGoldens.ids(lora)};
            int[] adapters = {0, 1};
            float[][] last = new float[2][];
            int[][] out = twoSequences(unmerged, prompts, adapters, 24, last);
            float dBase = LoraGoldens.maxAbs(last[0], 0, LoraGoldens.lastLogits(base));
            float dLora = LoraGoldens.maxAbs(last[1], 0, LoraGoldens.lastLogits(lora));
            System.out.printf("mixed batch %s: base %.3g, adapter %.3g%n", name, dBase, dLora);
            assertTrue(dBase < 1e-3, name + " base in a mixed batch: " + dBase);
            assertTrue(dLora < 1e-3, name + " adapter in a mixed batch: " + dLora);
            assertArrayEquals(LoraGoldens.greedy24(base), out[0], name + " base greedy in a mixed batch");
            assertArrayEquals(LoraGoldens.greedy24(lora), out[1], name + " adapter greedy in a mixed batch");
        }
    }

    /**
     * Prompts of several sequences fed together (each pass takes the next chunk of every prompt), then
     * greedy decoding of all of them together.
     */
    static int[][] twoSequences(LlamaModel model, int[][] prompts, int[] adapters, int steps, float[][] lastLogits) {
        int vocab = model.config().vocabSize();
        int seqs = prompts.length;
        int chunk = model.maxBatch() / seqs;
        KvCache[] caches = new KvCache[seqs];
        for (int s = 0; s < seqs; s++) {
            caches[s] = model.newCache(prompts[s].length + steps + 1, KvCacheType.F32);
        }
        Batch batch = new Batch(model.maxBatch());
        float[] logits = new float[seqs * vocab];
        for (int start = 0; java.util.Arrays.asList(lastLogits).contains(null);
                start += chunk) {
            batch.clear();
            int[] row = new int[seqs];
            int outputs = 0;
            for (int s = 0; s < seqs; s++) {
                row[s] = -1;
                for (int i = start; i < Math.min(prompts[s].length, start + chunk); i++) {
                    boolean last = i == prompts[s].length - 1;
                    batch.add(prompts[s][i], i, caches[s], last, adapters[s]);
                    if (last) {
                        row[s] = outputs++;
                    }
                }
            }
            model.forward(batch, logits);
            for (int s = 0; s < seqs; s++) {
                if (row[s] >= 0) {
                    lastLogits[s] = java.util.Arrays.copyOfRange(logits, row[s] * vocab, (row[s] + 1) * vocab);
                }
            }
        }
        int[][] out = new int[seqs][steps];
        for (int step = 0; step < steps; step++) {
            batch.clear();
            for (int s = 0; s < seqs; s++) {
                float[] l = step == 0 ? lastLogits[s] : logits;
                int next = ParityUtil.argmax(l, step == 0 ? 0 : s * vocab, vocab);
                out[s][step] = next;
                batch.add(next, prompts[s].length + step, caches[s], true, adapters[s]);
            }
            model.forward(batch, logits);
        }
        return out;
    }

    @Test
    void autoMergesOneAdapterOnAFloatBase() {
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 1, 8,
                LoraLoader.hook(LoraOptions.of(LoraMode.AUTO, LoraGoldens.spec())))) {
            assertEquals(List.of(LoraGoldens.ADAPTER), m.adapters().merged());
        }
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 1, 8,
                LoraLoader.hook(LoraOptions.of(LoraMode.AUTO, LoraGoldens.spec(), new LoraSpec("again", Fixtures.loraAdapter()))))) {
            assertEquals(List.of(LoraGoldens.ADAPTER, "again"), m.adapters().selectable());
        }
    }
}
