package dev.llama3j.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters that cannot be applied as they are: each refused with an error that names the cause. */
class BadAdapterTest {
    static LlamaConfig model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void config() {
        model = LlamaConfig.fromHuggingFace(Fixtures.randomModel().resolve(LlamaConfig.CONFIG_FILE));
    }

    private <E extends Llama3jException> E refused(Class<E> type, AdapterFiles files, String... mustContain) {
        Path dir = files.write(tmp.resolve("adapter"));
        E e = assertThrows(type, () -> LoraAdapter.load("bad", dir, model));
        for (String s : mustContain) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' missing from: " + e.getMessage());
        }
        return e;
    }

    private static AdapterFiles config(Consumer<Map<String, Object>> edit) {
        return AdapterFiles.fixture().config(edit);
    }

    @Test
    void shapeMismatch() {
        String a = AdapterFiles.name(1, "mlp.down_proj", "A");
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t -> {
            AdapterFiles.Tensor old = t.get(a);
            // down_proj takes the intermediate size (224) as input; pretend it took 192.
            t.put(a, new AdapterFiles.Tensor(old.dtype(), new long[] {8, 192}, new float[8 * 192]));
        }), a, "[8, 192]", "[8, 224]", "down_proj input size 224");
    }

    /** Integer (or FP8) tensors, which safetensors files of quantized models hold, are no LoRA weights. */
    @Test
    void integerTensor() {
        String a = AdapterFiles.name(0, "self_attn.q_proj", "A");
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t -> {
            AdapterFiles.Tensor old = t.get(a);
            t.put(a, new AdapterFiles.Tensor("I32", old.shape(), old.values()));
        }), a, "has dtype I32", "LoRA weights are F32, F16 or BF16");
    }

    @Test
    void rankDisagreesWithConfig() {
        String b = AdapterFiles.name(0, "self_attn.k_proj", "B");
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t ->
                t.put(b, new AdapterFiles.Tensor("F32", new long[] {32, 4}, new float[32 * 4]))), b, "[32, 4]", "r = 8");
    }

    @Test
    void missingTensor() {
        String b = AdapterFiles.name(1, "self_attn.q_proj", "B");
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t -> t.remove(b)), b, "missing");
    }

    @Test
    void targetModuleNotInTheModel() {
        refused(UnsupportedModelException.class,
                config(c -> c.put("target_modules", List.of("q_proj", "c_attn"))), "target module 'c_attn'",
                "not in the model");
        refused(UnsupportedModelException.class, config(c -> c.put("target_modules", List.of("lm_head"))),
                "'lm_head'");
    }

    @Test
    void tensorOfAModuleNotInTheModel() {
        refused(UnsupportedModelException.class, AdapterFiles.fixture().tensors(t -> t.put(
                        "base_model.model.model.layers.0.mlp.c_fc.lora_A.weight",
                        new AdapterFiles.Tensor("F32", new long[] {8, 64}, new float[8 * 64]))),
                "mlp.c_fc", "not in the model");
    }

    @Test
    void tensorForALayerTheModelLacks() {
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t -> t.put(
                        AdapterFiles.name(7, "self_attn.q_proj", "A"),
                        new AdapterFiles.Tensor("F32", new long[] {8, 64}, new float[8 * 64]))),
                "layer 7", "2 layers");
    }

    @Test
    void tensorOfAnUntargetedModule() {
        refused(ModelFormatException.class, config(c -> c.put("target_modules", List.of("q_proj", "k_proj", "v_proj",
                "o_proj", "up_proj", "down_proj"))), "gate_proj", "target_modules");
    }

    @Test
    void dora() {
        refused(UnsupportedModelException.class, config(c -> c.put("use_dora", true)), "use_dora = true", "DoRA");
        refused(UnsupportedModelException.class, AdapterFiles.fixture().tensors(t -> t.put(
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector",
                        new AdapterFiles.Tensor("F32", new long[] {1, 64}, new float[64]))),
                "lora_magnitude_vector", "DoRA");
    }

    @Test
    void optionsThatChangeTheComputation() {
        refused(UnsupportedModelException.class, config(c -> c.put("modules_to_save", List.of("lm_head"))),
                "modules_to_save = [\"lm_head\"]");
        refused(UnsupportedModelException.class, AdapterFiles.fixture().tensors(t -> t.put(
                        "base_model.model.lm_head.weight", new AdapterFiles.Tensor("F32", new long[] {2, 64},
                                new float[128]))), "base_model.model.lm_head.weight", "modules_to_save");
        refused(UnsupportedModelException.class, config(c -> c.put("fan_in_fan_out", true)), "fan_in_fan_out");
        refused(UnsupportedModelException.class, config(c -> c.put("bias", "all")), "bias = \"all\"");
        refused(UnsupportedModelException.class, config(c -> c.put("lora_bias", true)), "lora_bias");
        refused(UnsupportedModelException.class, config(c -> c.put("rank_pattern", Map.of("q_proj", 4L))),
                "rank_pattern");
        refused(UnsupportedModelException.class, config(c -> c.put("alpha_pattern", Map.of("q_proj", 4L))),
                "alpha_pattern");
        refused(UnsupportedModelException.class, config(c -> c.put("layers_to_transform", List.of(0L))),
                "layers_to_transform");
        refused(UnsupportedModelException.class, config(c -> c.put("init_lora_weights", "pissa")),
                "init_lora_weights = \"pissa\"", "path_initial_model_for_weight_conversion");
        refused(UnsupportedModelException.class, config(c -> c.put("use_qalora", true)), "use_qalora");
        refused(UnsupportedModelException.class, config(c -> c.put("some_future_option", 3L)),
                "some_future_option = 3", "does not know");
        refused(UnsupportedModelException.class, config(c -> c.put("peft_type", "LOHA")), "peft_type \"LOHA\"");
    }

    @Test
    void missingOrMalformedConfig() throws IOException {
        refused(ModelFormatException.class, config(c -> c.remove("r")), "r is missing");
        refused(ModelFormatException.class, config(c -> c.put("r", "eight")), "adapter_config.json", "r");
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(ModelFormatException.class, () -> LoraAdapter.load("x", dir, model));
        assertTrue(e.getMessage().contains("adapter_config.json"), e.getMessage());
        Path bin = AdapterFiles.fixture().write(tmp.resolve("bin"));
        Files.move(bin.resolve(LoraAdapter.WEIGHTS_FILE), bin.resolve("adapter_model.bin"));
        e = assertThrows(ModelFormatException.class, () -> LoraAdapter.load("x", bin, model));
        assertTrue(e.getMessage().contains("safe_serialization"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> LoraAdapter.load("x", tmp.resolve("nowhere"), model));
        assertTrue(e.getMessage().contains("not a LoRA adapter folder"), e.getMessage());
    }

    @Test
    void nonFiniteValues() {
        String a = AdapterFiles.name(0, "mlp.up_proj", "A");
        refused(ModelFormatException.class, AdapterFiles.fixture().tensors(t -> t.get(a).values()[5] = Float.NaN),
                a, "NaN");
    }

    /** The options that are fine: rsLoRA changes the scale, a target regex or all-linear picks modules. */
    @Test
    void acceptedOptions() {
        Path rs = config(c -> c.put("use_rslora", true)).write(tmp.resolve("rs"));
        assertEquals(16 / Math.sqrt(8), LoraAdapter.load("rs", rs, model).config().scale(), 1e-9);
        Path all = config(c -> c.put("target_modules", "all-linear")).write(tmp.resolve("all"));
        assertEquals(2.0f, LoraAdapter.load("all", all, model).scale());
        Path regex = config(c -> c.put("target_modules", ".*\\.(q|k|v|o|gate|up|down)_proj")).write(tmp.resolve("re"));
        assertEquals(8, LoraAdapter.load("re", regex, model).pair(1, dev.llama3j.model.Projection.DOWN).rank());
        Path narrow = config(c -> c.put("target_modules", ".*\\.0\\.self_attn\\.q_proj")).write(tmp.resolve("narrow"));
        var e = assertThrows(ModelFormatException.class, () -> LoraAdapter.load("n", narrow, model));
        assertTrue(e.getMessage().contains("of layer 0, which target_modules"), e.getMessage());
    }

    /** bf16 and f16 adapters load too; rounding A and B moves logits a little but not the greedy tokens. */
    @Test
    void halfPrecisionAdapters() {
        for (String dtype : new String[] {"BF16", "F16"}) {
            Path dir = AdapterFiles.fixture().dtype(dtype).write(tmp.resolve(dtype));
            try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 2, 64,
                    LoraLoader.hook(LoraOptions.of(LoraMode.UNMERGED, new LoraSpec("half", dir))))) {
                Map<String, Object> c = LoraGoldens.loraCase("hello");
                int[] ids = LoraGoldens.ids(c);
                float[] all = ParityUtil.allLogits(m, ids, 1);
                int vocab = m.config().vocabSize();
                float diff = LoraGoldens.maxAbs(all, (ids.length - 1) * vocab, LoraGoldens.lastLogits(c));
                System.out.printf("%s adapter, hello: last logits max abs diff %.3g%n", dtype, diff);
                assertTrue(diff < 0.1, dtype + ": " + diff);
                assertArrayEquals(LoraGoldens.greedy24(c), ParityUtil.greedy(m, ids, 24, KvCacheType.F32, 1), dtype);
            }
        }
    }

    @Test
    void duplicateNamesAndMergingSeveral() {
        LoraSpec a = new LoraSpec("a", Fixtures.loraAdapter());
        var e = assertThrows(InvalidRequestException.class, () -> LoraOptions.of(LoraMode.UNMERGED, a, a));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> LoraOptions.of(LoraMode.MERGED, a, new LoraSpec("b", Fixtures.loraAdapter())));
        assertTrue(e.getMessage().contains("merged mode"), e.getMessage());
        assertEquals(new LoraSpec("x", Path.of("/some/dir")), LoraSpec.parse("x=/some/dir"));
        assertEquals("dir", LoraSpec.parse("/some/dir").name());
        assertThrows(InvalidRequestException.class, () -> LoraSpec.parse("=/some/dir"));
    }
}
