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
     * {@code convert} dequantizes: an F32 GGUF of a quantized folder computes what the F32 twin of its
     * dequantized weights does (1e-4; the rotary row order is the only difference), and a Q8_0 one
     * stays within a small KL of it.
     */
    @Test
    void convertDequantizesThenQuantizesToTheAskedType() throws IOException {
        Path dir = QuantizedFolder.scratch();
        check("gptq-act", GgufFileType.ALL_F32, dir);
        check("fbgemm-fp8", GgufFileType.MOSTLY_Q8_0, dir);
    }

    private static void check(String format, GgufFileType type, Path dir) {
        float[] expected;
        try (LlamaModel m = ModelLoader.load(QuantizedCheckpointParityTest.folder(format + "-f32"), 1, 8)) {
            expected = ParityUtil.allLogits(m, PROMPT);
        }
        Path gguf = dir.resolve(format + ".gguf");
        HfToGgufConverter.Result r = HfToGgufConverter.convert(QuantizedCheckpointParityTest.folder(format), gguf,
                type, ConversionProgress.NONE);
        if (type == GgufFileType.MOSTLY_Q8_0) {
            assertTrue(r.tensorsByType().containsKey("Q8_0"), r.tensorsByType().toString());
        }
        try (LlamaModel m = ModelLoader.load(gguf, 1, 8)) {
            float[] got = ParityUtil.allLogits(m, PROMPT);
            int vocab = got.length / PROMPT.length;
            for (int p = 0; p < PROMPT.length; p++) {
                if (type == GgufFileType.ALL_F32) {
                    for (int i = p * vocab; i < (p + 1) * vocab; i++) {
                        assertEquals(expected[i], got[i], 1e-4, format + " F32 GGUF logit " + i);
                    }
                } else {
                    double kl = QuantizationReportTest.kl(QuantizationReportTest.logSoftmax(expected, p * vocab, vocab),
                            QuantizationReportTest.logSoftmax(got, p * vocab, vocab));
                    assertTrue(kl < 0.01, format + " " + type + " position " + p + ": KL " + kl);
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
