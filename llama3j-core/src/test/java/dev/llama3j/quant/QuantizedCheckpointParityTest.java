package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.QuantizationReportTest;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ModelSources;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.model.QuantizedSource;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Each quantized checkpoint of the chat fixture ({@code models/quantized}, made by
 * {@code tools/fixtures/make_quantized_fixtures.py}) computes what the F32 checkpoint of its dequantized
 * weights computes. The weight-only formats (the INT4 ones, FP8 without activation quantization) give
 * logits within 1e-3. The FP8 formats that quantize each token's input to
 * E4M3 at run time (compressed-tensors dynamic, fbgemm) are held to a KL bound against the twin instead:
 * an E4M3 input keeps 3 mantissa bits, so logits move by up to ~1 on this tiny model (whose weights are
 * far larger than a trained model's; measured KL mean 0.024, max 0.053 for compressed-tensors, 0.0024 /
 * 0.0054 for fbgemm, which quantizes only the middle layers' MLP). All give the twin's greedy tokens. How far each moves the unquantized model's next-token
 * distributions (KL, top-1) is printed and written to {@code target/quantized-checkpoints-report.md},
 * like {@code QuantizationReportTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuantizedCheckpointParityTest {
    static final List<String> FORMATS = List.of("awq", "gptq", "gptq-act", "ct-int4", "ct-int4-asym", "ct-fp8",
            "fbgemm-fp8");
    /** The formats whose layers quantize their inputs to FP8 per token. */
    static final List<String> ACTIVATIONS_QUANTIZED = List.of("ct-fp8", "fbgemm-fp8");
    /** KL(twin || quantized) per position, in nats, for the formats that quantize activations. */
    static final double ACTIVATION_KL_MEAN = 0.05;
    static final double ACTIVATION_KL_MAX = 0.1;
    /** A sentence of ordinary tokens after BOS, as the chat fixture's tokenizer writes "Hello, world! I am…". */
    private static final int[] PROMPT = {128000, 9906, 11, 1917, 0, 358, 1097, 264, 4382, 1646, 430, 649, 3137, 13};
    private static final int GREEDY = 12;

    private float[] reference;
    private final StringBuilder report = new StringBuilder();

    static Path folder(String format) {
        return Fixtures.repoRoot().resolve("models/quantized/tiny-llama-3.1-chat-" + format);
    }

    @BeforeAll
    void unquantized() {
        try (LlamaModel m = ModelLoader.load(Fixtures.repoRoot().resolve("models/tiny-llama-3.1-chat"), 2, 16)) {
            reference = ParityUtil.allLogits(m, PROMPT);
        }
        report.append(String.format(Locale.ROOT, "Quantized checkpoints of tiny-llama-3.1-chat (%d positions)%n%n"
                + "| format | max abs logit diff vs its F32 twin | KL vs twin mean / max | greedy tokens as twin"
                + " | KL mean vs bf16 | KL max vs bf16 | top-1 agreement vs bf16 |%n"
                + "|---|---|---|---|---|---|---|%n", PROMPT.length));
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachFormatMatchesItsDequantizedTwin() throws IOException {
        for (String format : FORMATS) {
            compare(format, folder(format), folder(format + "-f32"), ACTIVATIONS_QUANTIZED.contains(format));
        }
        // The FP8 bytes read weight-only (input_activations: null) match the twin like the INT4 formats.
        Path weightOnly = QuantizedFolder.of("ct-fp8").quantization(q -> {
            Map<String, Object> groups = (Map<String, Object>) q.get("config_groups");
            ((Map<String, Object>) groups.get("group_0")).put("input_activations", null);
        }).write(QuantizedFolder.scratch().resolve("ct-fp8-weight-only"));
        compare("ct-fp8 weight-only", weightOnly, folder("ct-fp8-f32"), false);
        System.out.println(report);
        Path out = Path.of("target", "quantized-checkpoints-report.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
    }

    private void compare(String format, Path quantized, Path twin, boolean activationsQuantized) {
            assertEquals(QuantizedSource.FORMAT, ModelSources.formatOf(quantized), format);
            float[] q;
            float[] f;
            int[] tokensQ;
            int[] tokensF;
            try (LlamaModel m = ModelLoader.load(quantized, 2, 16)) {
                q = ParityUtil.allLogits(m, PROMPT);
                tokensQ = ParityUtil.greedy(m, PROMPT, GREEDY);
            }
            try (LlamaModel m = ModelLoader.load(twin, 2, 16)) {
                f = ParityUtil.allLogits(m, PROMPT);
                tokensF = ParityUtil.greedy(m, PROMPT, GREEDY);
            }
            double maxDiff = 0;
            for (int i = 0; i < q.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(q[i] - f[i]));
            }
            double[] twinKl = kl(f, q);
            if (activationsQuantized) {
                assertTrue(twinKl[0] <= ACTIVATION_KL_MEAN && twinKl[1] <= ACTIVATION_KL_MAX, format
                        + ": KL against the twin mean " + twinKl[0] + ", max " + twinKl[1]);
            } else {
                assertTrue(maxDiff <= 1e-3, format + ": max |logit diff| = " + maxDiff);
            }
            assertArrayEquals(tokensF, tokensQ, format + ": greedy tokens");
            int same = 0;
            for (int i = 0; i < GREEDY; i++) {
                same += tokensF[i] == tokensQ[i] ? 1 : 0;
            }
            row(format, maxDiff, twinKl, same, q);
    }

    private static double[] kl(float[] p, float[] q) {
        return kl(p, q, PROMPT.length);
    }

    /** KL(p || q) per position from two logit arrays of {@code positions} positions: {mean, max}. */
    static double[] kl(float[] p, float[] q, int positions) {
        int vocab = p.length / positions;
        double sum = 0;
        double max = 0;
        for (int i = 0; i < positions; i++) {
            double kl = QuantizationReportTest.kl(QuantizationReportTest.logSoftmax(p, i * vocab, vocab),
                    QuantizationReportTest.logSoftmax(q, i * vocab, vocab));
            sum += kl;
            max = Math.max(max, kl);
        }
        return new double[] {sum / positions, max};
    }

    private void row(String format, double maxDiff, double[] twinKl, int sameGreedy, float[] logits) {
        int vocab = logits.length / PROMPT.length;
        double[] bf16Kl = kl(reference, logits);
        int agree = 0;
        for (int p = 0; p < PROMPT.length; p++) {
            if (ParityUtil.argmax(reference, p * vocab, vocab) == ParityUtil.argmax(logits, p * vocab, vocab)) {
                agree++;
            }
        }
        report.append(String.format(Locale.ROOT, "| %s | %.2e | %.2e / %.2e | %d/%d | %.3e | %.3e | %.1f%% |%n",
                format, maxDiff, twinKl[0], twinKl[1], sameGreedy, GREEDY, bf16Kl[0], bf16Kl[1],
                100.0 * agree / PROMPT.length));
    }
}
