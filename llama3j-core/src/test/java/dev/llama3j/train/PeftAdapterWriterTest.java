package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.lora.LoraConfig;
import dev.llama3j.lora.LoraLoader;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.lora.LowRank;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.model.Projection;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsWriter;
import dev.llama3j.testing.Fixtures;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterWriterTest {
    @TempDir
    Path tmp;

    /** The fixture adapter's pairs, written by our writer. */
    private Path rewriteFixture(LlamaConfig model) {
        LoraAdapter fixture = LoraAdapter.load("peft", Fixtures.loraAdapter(), model);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (int l = 0; l < model.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                LowRank pair = fixture.pair(l, p);
                tensors.add(new SafetensorsWriter.Tensor(PeftAdapterWriter.tensorName(l, p, true),
                        new long[] {pair.rank(), pair.in()}, pair.a()));
                tensors.add(new SafetensorsWriter.Tensor(PeftAdapterWriter.tensorName(l, p, false),
                        new long[] {pair.out(), pair.rank()}, pair.b()));
            }
        }
        Path out = tmp.resolve("ours");
        PeftAdapterWriter.write(out, new PeftAdapterWriter.Settings(8, 16, 0.05, EnumSet.allOf(Projection.class),
                "tiny-random-llama-3.1"), tensors);
        return out;
    }

    @Test
    void whatWeWriteLoadsBackAsTheSameAdapter() {
        LlamaConfig model = LlamaConfig.fromHuggingFace(Fixtures.randomModel().resolve(LlamaConfig.CONFIG_FILE));
        Path ours = rewriteFixture(model);
        LoraConfig c = LoraConfig.read(ours);
        assertEquals(8, c.rank());
        assertEquals(16.0, c.alpha());
        assertEquals(EnumSet.allOf(Projection.class), c.targetLists());
        LoraAdapter fixture = LoraAdapter.load("peft", Fixtures.loraAdapter(), model);
        LoraAdapter back = LoraAdapter.load("ours", ours, model);
        for (int l = 0; l < model.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                assertArrayEquals(fixture.pair(l, p).a(), back.pair(l, p).a(), l + " " + p);
                assertArrayEquals(fixture.pair(l, p).b(), back.pair(l, p).b(), l + " " + p);
            }
        }
    }

    @Test
    void configHasPeftsKeysAndTheWeightsFileItsMetadata() throws Exception {
        LlamaConfig model = LlamaConfig.fromHuggingFace(Fixtures.randomModel().resolve(LlamaConfig.CONFIG_FILE));
        Path ours = rewriteFixture(model);
        Map<String, Object> written = Json.asObject(Json.parseFile(ours.resolve(LoraConfig.FILE)), "ours");
        Map<String, Object> peft = Json.asObject(Json.parseFile(Fixtures.loraAdapter().resolve(LoraConfig.FILE)), "peft");
        assertEquals(peft.keySet(), written.keySet());
        for (String k : List.of("peft_type", "task_type", "bias", "r", "lora_alpha", "use_rslora", "use_dora")) {
            assertEquals(peft.get(k), written.get(k), k);
        }
        assertEquals(0.05, written.get("lora_dropout"));
        assertEquals(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                written.get("target_modules"));
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(ours.resolve(LoraAdapter.WEIGHTS_FILE), arena);
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(2 * 7 * model.numLayers(), f.tensors().size());
            assertEquals("F32", f.tensors().get(PeftAdapterWriter.tensorName(1, Projection.DOWN, false)).dtype());
        }
    }

    /** The written adapter, merged, gives the logits the PEFT-written one gives, and they differ from the base's. */
    @Test
    void mergedLogitsAreThoseOfThePeftAdapter() {
        LlamaConfig config = LlamaConfig.fromHuggingFace(Fixtures.randomModel().resolve(LlamaConfig.CONFIG_FILE));
        Path ours = rewriteFixture(config);
        int[] ids = {128000, 9906, 11, 1917, 0};
        float[] base;
        float[] peft;
        float[] mine;
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 2, 64, LoraLoader.hook(LoraOptions.NONE))) {
            base = ParityUtil.allLogits(m, ids);
        }
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 2, 64,
                LoraLoader.hook(LoraOptions.of(LoraMode.MERGED, new LoraSpec("peft", Fixtures.loraAdapter()))))) {
            peft = ParityUtil.allLogits(m, ids);
        }
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 2, 64,
                LoraLoader.hook(LoraOptions.of(LoraMode.MERGED, new LoraSpec("ours", ours))))) {
            mine = ParityUtil.allLogits(m, ids);
        }
        assertArrayEquals(peft, mine);
        float diff = 0;
        for (int i = 0; i < base.length; i++) {
            diff = Math.max(diff, Math.abs(base[i] - mine[i]));
        }
        assertTrue(diff > 0.1, "the adapter changes the logits: " + diff);
    }

    /** A trained spec's float alpha and dropout are written as the decimals given, as PEFT's Python floats. */
    @Test
    void floatSettingsAreWrittenAsTheirDecimals() {
        PeftAdapterWriter.Settings s = PeftAdapterWriter.Settings.of(
                new LoraTrainingSpec(8, 0.1f, 0.05f, EnumSet.of(Projection.Q)), "base");
        Map<String, Object> c = PeftAdapterWriter.config(s);
        assertEquals(0.05, c.get("lora_dropout"));
        assertEquals(0.1, c.get("lora_alpha"));
    }
}
