package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every way a quantized folder can be wrong gets one clear error naming the file and the field or tensor. */
class QuantizedCheckpointErrorTest {
    private static final String Q0 = "model.layers.0.self_attn.q_proj";

    /** Under target/, not a JUnit temp dir: the folders link to the fixture's files, which JUnit warns about. */
    private final Path tmp = QuantizedFolder.scratch();

    private <T extends Llama3jException> void assertLoadFails(Class<T> type, Path dir, String... fragments) {
        T e = assertThrows(type, () -> ModelLoader.load(dir, 1, 4).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
    }

    @Test
    void unknownQuantMethod() {
        Path dir = QuantizedFolder.of("awq").quantization(q -> q.put("quant_method", "hqq")).write(tmp.resolve("m"));
        assertLoadFails(UnsupportedModelException.class, dir, "config.json: quantization_config.quant_method is 'hqq'");
    }

    @Test
    void unsupportedBits() {
        Path gptq = QuantizedFolder.of("gptq").quantization(q -> q.put("bits", 3)).write(tmp.resolve("g"));
        assertLoadFails(UnsupportedModelException.class, gptq, "config.json: quantization_config.bits is 3");
        Path awq = QuantizedFolder.of("awq").quantization(q -> q.put("bits", 8)).write(tmp.resolve("a"));
        assertLoadFails(UnsupportedModelException.class, awq, "config.json: quantization_config.bits is 8");
    }

    @Test
    @SuppressWarnings("unchecked")
    void unsupportedCompressedTensorsBits() {
        Path dir = QuantizedFolder.of("ct-int4").quantization(q -> {
            Map<String, Object> groups = (Map<String, Object>) q.get("config_groups");
            Map<String, Object> weights = (Map<String, Object>) ((Map<String, Object>) groups.get("group_0"))
                    .get("weights");
            weights.put("num_bits", 8);
        }).write(tmp.resolve("m"));
        assertLoadFails(UnsupportedModelException.class, dir,
                "quantization_config.config_groups.group_0.weights.num_bits is 8");
    }

    @Test
    void groupSizeNotDividingTheInputs() {
        Path dir = QuantizedFolder.of("gptq").quantization(q -> q.put("group_size", 48)).write(tmp.resolve("m"));
        assertLoadFails(UnsupportedModelException.class, dir, QuantizedFolder.LAYERS, Q0 + ".qweight",
                "group size 48", "does not divide");
    }

    @Test
    void missingQzerosScalesAndWeightScale() {
        Path awq = QuantizedFolder.of("awq").tensors(t -> t.remove(Q0 + ".qzeros")).write(tmp.resolve("a"));
        assertLoadFails(ModelFormatException.class, awq, "tensor '" + Q0 + ".qzeros' is missing",
                "quantization_config says '" + Q0 + "' is awq");
        Path gptq = QuantizedFolder.of("gptq").tensors(t -> t.remove(Q0 + ".scales")).write(tmp.resolve("g"));
        assertLoadFails(ModelFormatException.class, gptq, "tensor '" + Q0 + ".scales' is missing");
        Path fp8 = QuantizedFolder.of("ct-fp8").tensors(t -> t.remove(Q0 + ".weight_scale")).write(tmp.resolve("f"));
        assertLoadFails(ModelFormatException.class, fp8, "tensor '" + Q0 + ".weight_scale' is missing",
                "compressed-tensors float-quantized");
        Path int4 = QuantizedFolder.of("ct-int4").tensors(t -> t.remove(Q0 + ".weight_scale")).write(tmp.resolve("i"));
        assertLoadFails(ModelFormatException.class, int4, "tensor '" + Q0 + ".weight_scale' is missing");
    }

    @Test
    void gIdxOutOfRange() {
        Path dir = QuantizedFolder.of("gptq-act").tensors(t -> setInt(t, Q0 + ".g_idx", 5, 99))
                .write(tmp.resolve("m"));
        assertLoadFails(ModelFormatException.class, dir, QuantizedFolder.LAYERS, Q0 + ".g_idx",
                "gives input 5 group 99, outside 0..1");
    }

    @Test
    void gIdxWithUnevenGroups() {
        Path dir = QuantizedFolder.of("gptq").tensors(t -> setInt(t, Q0 + ".g_idx", 0, 1)).write(tmp.resolve("m"));
        assertLoadFails(ModelFormatException.class, dir, Q0 + ".g_idx", "puts 31 inputs in group 0");
    }

    @Test
    void quantizedLayersWithoutQuantizationConfig() {
        Path int4 = QuantizedFolder.of("gptq").config(c -> c.remove("quantization_config")).write(tmp.resolve("g"));
        assertLoadFails(ModelFormatException.class, int4, Q0 + ".qweight",
                "config.json has no quantization_config");
        Path fp8 = QuantizedFolder.of("ct-fp8").config(c -> c.remove("quantization_config")).write(tmp.resolve("f"));
        assertLoadFails(ModelFormatException.class, fp8, QuantizedFolder.LAYERS, "dtype F8_E4M3",
                "config.json has no quantization_config");
    }

    @Test
    void aLayerStoredUnquantizedThatTheConfigQuantizes() {
        Map<String, SafetensorsWriter.Raw> f32 = QuantizedFolder.tensorsOf("awq-f32");
        Path dir = QuantizedFolder.of("awq").tensors(t -> {
            t.keySet().removeIf(k -> k.startsWith(Q0 + "."));
            t.put(Q0 + ".weight", f32.get(Q0 + ".weight"));
        }).write(tmp.resolve("m"));
        assertLoadFails(ModelFormatException.class, dir, QuantizedFolder.LAYERS, Q0 + ".weight' is F32, not quantized",
                "quantization_config says '" + Q0 + "' is awq");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aQuantizedLayerThatTheConfigLeavesUnquantized() {
        Path fp8 = QuantizedFolder.of("fbgemm-fp8").quantization(q -> {
            List<Object> list = new ArrayList<>((List<Object>) q.get("modules_to_not_convert"));
            list.add("model.layers.1.mlp.up_proj");
            q.put("modules_to_not_convert", list);
        }).write(tmp.resolve("f"));
        assertLoadFails(ModelFormatException.class, fp8, "model.layers.1.mlp.up_proj.weight' is F8_E4M3",
                "leaves 'model.layers.1.mlp.up_proj' unquantized");
        Path awq = QuantizedFolder.of("awq").quantization(q -> q.put("modules_to_not_convert", List.of("q_proj")))
                .write(tmp.resolve("a"));
        assertLoadFails(ModelFormatException.class, awq, Q0 + ".qweight' is quantized",
                "leaves '" + Q0 + "' unquantized");
    }

    @Test
    void fp8NaNInAWeight() {
        Path dir = QuantizedFolder.of("ct-fp8").tensors(t -> t.get(Q0 + ".weight").data()[70] = (byte) 0xFF)
                .write(tmp.resolve("m"));
        assertLoadFails(ModelFormatException.class, dir, QuantizedFolder.LAYERS, Q0 + ".weight",
                "FP8 NaN (byte 0xff) at row 1, column 6");
    }

    @Test
    void e5m2WeightsAreRefusedByName() {
        Path dir = QuantizedFolder.of("fbgemm-fp8").tensors(t -> {
            String name = "model.layers.1.mlp.up_proj.weight";
            SafetensorsWriter.Raw w = t.get(name);
            t.put(name, new SafetensorsWriter.Raw("F8_E5M2", w.shape(), w.data()));
        }).write(tmp.resolve("m"));
        assertLoadFails(UnsupportedModelException.class, dir, "model.layers.1.mlp.up_proj.weight' is F8_E5M2");
    }

    @Test
    void otherLayoutsAreRefusedByName() {
        Path gemv = QuantizedFolder.of("awq").quantization(q -> q.put("version", "gemv")).write(tmp.resolve("a"));
        assertLoadFails(UnsupportedModelException.class, gemv, "quantization_config.version is 'gemv'", "GEMM");
        Path marlin = QuantizedFolder.of("gptq").quantization(q -> q.put("checkpoint_format", "marlin"))
                .write(tmp.resolve("g"));
        assertLoadFails(UnsupportedModelException.class, marlin, "quantization_config.checkpoint_format is 'marlin'");
    }

    /** AutoAWQ's legacy quant_config.json (w_bit, q_group_size, version "GEMM") reads like quantization_config. */
    @Test
    void legacyAwqQuantConfig() throws Exception {
        Path dir = QuantizedFolder.of("awq").config(c -> c.remove("quantization_config")).write(tmp.resolve("m"));
        Files.writeString(dir.resolve(QuantizationConfig.LEGACY_AWQ_FILE),
                "{\"zero_point\": true, \"q_group_size\": 32, \"w_bit\": 4, \"version\": \"GEMM\"}");
        int[] prompt = {128000, 9906, 11, 1917};
        float[] legacy;
        float[] current;
        try (LlamaModel m = ModelLoader.load(dir, 1, 4)) {
            legacy = ParityUtil.allLogits(m, prompt);
        }
        try (LlamaModel m = ModelLoader.load(QuantizedCheckpointParityTest.folder("awq"), 1, 4)) {
            current = ParityUtil.allLogits(m, prompt);
        }
        assertArrayEquals(current, legacy);
        Files.writeString(dir.resolve(QuantizationConfig.LEGACY_AWQ_FILE),
                "{\"zero_point\": true, \"q_group_size\": 32, \"w_bit\": 3, \"version\": \"GEMM\"}");
        assertLoadFails(UnsupportedModelException.class, dir, "quant_config.json: w_bit is 3");
    }

    /**
     * Static FP8 activations: each layer's {@code input_scale} is read (a scale no input exceeds keeps the
     * answer near the twin's); a layer without one is an error naming the tensor.
     */
    @Test
    @SuppressWarnings("unchecked")
    void staticFp8InputScale() {
        QuantizedFolder folder = QuantizedFolder.of("ct-fp8").quantization(q -> {
            Map<String, Object> group = (Map<String, Object>) ((Map<String, Object>) q.get("config_groups"))
                    .get("group_0");
            Map<String, Object> acts = new java.util.LinkedHashMap<>((Map<String, Object>) group.get("input_activations"));
            acts.put("dynamic", false);
            acts.put("strategy", "tensor");
            group.put("input_activations", acts);
        }).tensors(t -> {
            for (String name : List.copyOf(t.keySet())) {
                if (name.endsWith(".weight_scale")) {
                    byte[] scale = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .putFloat(0.05f).array();
                    t.put(name.replace(".weight_scale", ".input_scale"), new SafetensorsWriter.Raw("F32",
                            new long[] {1}, scale));
                }
            }
        });
        int[] prompt = {128000, 9906, 11, 1917};
        float[] got;
        float[] twin;
        try (LlamaModel m = ModelLoader.load(folder.write(tmp.resolve("ok")), 1, 4)) {
            got = ParityUtil.allLogits(m, prompt);
        }
        try (LlamaModel m = ModelLoader.load(QuantizedCheckpointParityTest.folder("ct-fp8-f32"), 1, 4)) {
            twin = ParityUtil.allLogits(m, prompt);
        }
        int vocab = got.length / prompt.length;
        for (int p = 0; p < prompt.length; p++) {
            double kl = dev.llama3j.convert.QuantizationReportTest.kl(
                    dev.llama3j.convert.QuantizationReportTest.logSoftmax(twin, p * vocab, vocab),
                    dev.llama3j.convert.QuantizationReportTest.logSoftmax(got, p * vocab, vocab));
            assertTrue(kl < QuantizedCheckpointParityTest.ACTIVATION_KL_MAX, "position " + p + ": KL " + kl);
        }
        Path missing = folder.tensors(t -> t.remove(Q0 + ".input_scale")).write(tmp.resolve("missing"));
        assertLoadFails(ModelFormatException.class, missing, "tensor '" + Q0 + ".input_scale' is missing");
    }

    private static void setInt(Map<String, SafetensorsWriter.Raw> t, String name, int index, int value) {
        byte[] d = t.get(name).data();
        java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(index * 4, value);
    }
}
