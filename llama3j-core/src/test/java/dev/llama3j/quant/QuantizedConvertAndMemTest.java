package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.convert.QuantizationReportTest;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.mem.StoredModel;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code convert} and {@code mem} read quantized folders through the same source as loading. */
class QuantizedConvertAndMemTest {
    private static final int[] PROMPT = {128000, 9906, 11, 1917, 0, 358, 1097};

    /**
     * An F32 GGUF of a quantized folder holds its dequantized weights: the same logits (1e-4, the
     * rotary row order is the only difference); Q8_0 stays within a small KL of them.
     */
    @Test
    void convertDequantizesThenQuantizesToTheAskedType() throws IOException {
        Path dir = QuantizedFolder.scratch();
        for (String format : new String[] {"gptq-act", "fbgemm-fp8"}) {
            Path src = QuantizedCheckpointParityTest.folder(format);
            float[] expected;
            try (LlamaModel m = ModelLoader.load(src, 1, 8)) {
                expected = ParityUtil.allLogits(m, PROMPT);
            }
            Path f32 = dir.resolve(format + "-f32.gguf");
            HfToGgufConverter.convert(src, f32, GgufFileType.ALL_F32, ConversionProgress.NONE);
            try (LlamaModel m = ModelLoader.load(f32, 1, 8)) {
                float[] got = ParityUtil.allLogits(m, PROMPT);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(expected[i], got[i], 1e-4, format + " F32 GGUF logit " + i);
                }
            }
            Path q8 = dir.resolve(format + "-q8.gguf");
            HfToGgufConverter.Result r = HfToGgufConverter.convert(src, q8, GgufFileType.MOSTLY_Q8_0,
                    ConversionProgress.NONE);
            assertTrue(r.tensorsByType().containsKey("Q8_0"), r.tensorsByType().toString());
            try (LlamaModel m = ModelLoader.load(q8, 1, 8)) {
                float[] got = ParityUtil.allLogits(m, PROMPT);
                int vocab = got.length / PROMPT.length;
                for (int p = 0; p < PROMPT.length; p++) {
                    double kl = QuantizationReportTest.kl(QuantizationReportTest.logSoftmax(expected, p * vocab, vocab),
                            QuantizationReportTest.logSoftmax(got, p * vocab, vocab));
                    assertTrue(kl < 0.01, format + " Q8_0 position " + p + ": KL " + kl);
                }
            }
        }
    }

    /** {@code mem} counts the bytes as stored: packed words, scales, FP8 bytes, and names the method. */
    @Test
    void memCountsTheStoredBytes() throws IOException {
        StoredModel awq = StoredModel.read(QuantizedCheckpointParityTest.folder("awq"));
        assertEquals("safetensors, awq", awq.format());
        Map<String, Long> bytes = awq.bytesByType();
        // 4 layers × (q 64x64, k 32x64, v 32x64, o 64x64, gate/up 256x64, down 64x256): 4 bits a weight.
        long weights = 4L * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 256 * 64);
        long groups = 4L * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 2 * 256 * 64 + 64 * 256) / 32;
        assertEquals(weights / 2 + groups / 2, bytes.get("I32"), "qweight + qzeros");
        assertEquals(groups * 2, bytes.get("F16"), "scales");
        StoredModel fp8 = StoredModel.read(QuantizedCheckpointParityTest.folder("ct-fp8"));
        assertEquals("safetensors, compressed-tensors float-quantized", fp8.format());
        assertEquals(weights, fp8.bytesByType().get("F8_E4M3"));
        assertTrue(Files.size(QuantizedCheckpointParityTest.folder("awq").resolve(QuantizedFolder.LAYERS))
                > bytes.get("I32") + bytes.get("F16"));
    }
}
