package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.QuantizationReportTest;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * tiny-random-llama-3.1 (untied lm_head, intermediate size 224) in GPTQ with {@code desc_act} and
 * {@code gptq_v2}: its layers are checked in under {@code src/test/resources/quantized}; the embedding,
 * lm_head and tokenizer are linked from the shared fixture at test time. It computes what the F32 twin
 * of its dequantized weights computes (1e-3, same greedy tokens).
 */
class RandomModelGptqTest {
    private static final int[] PROMPT = {128000, 9906, 11, 1917, 0, 358, 1097, 264};

    /** The checked-in folder {@code name}, completed with links to the random fixture's files. */
    static Path folder(String name, Path scratch) throws IOException {
        Path src = Fixtures.repoRoot().resolve("llama3j-core/src/test/resources/quantized").resolve(name);
        Path dir = Files.createDirectories(scratch.resolve(name));
        for (String f : new String[] {"config.json", "model-00002-of-00002.safetensors", "model.safetensors.index.json"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        Path random = Fixtures.randomModel().toRealPath();
        Files.createSymbolicLink(dir.resolve("model-00001-of-00002.safetensors"), random.resolve("model.safetensors"));
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), random.resolve(f));
        }
        return dir;
    }

    @Test
    void matchesItsDequantizedTwin() throws IOException {
        Path scratch = QuantizedFolder.scratch();
        float[] q;
        float[] f;
        float[] bf16;
        int[] tokensQ;
        int[] tokensF;
        try (LlamaModel m = ModelLoader.load(folder("tiny-random-llama-3.1-gptq-act", scratch), 2, 16)) {
            q = ParityUtil.allLogits(m, PROMPT);
            tokensQ = ParityUtil.greedy(m, PROMPT, 8);
        }
        try (LlamaModel m = ModelLoader.load(folder("tiny-random-llama-3.1-gptq-act-f32", scratch), 2, 16)) {
            f = ParityUtil.allLogits(m, PROMPT);
            tokensF = ParityUtil.greedy(m, PROMPT, 8);
        }
        try (LlamaModel m = ModelLoader.load(Fixtures.randomModel(), 2, 16)) {
            bf16 = ParityUtil.allLogits(m, PROMPT);
        }
        double maxDiff = 0;
        for (int i = 0; i < q.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(q[i] - f[i]));
        }
        assertTrue(maxDiff <= 1e-3, "max |logit diff| = " + maxDiff);
        assertArrayEquals(tokensF, tokensQ, "greedy tokens");
        int vocab = q.length / PROMPT.length;
        double sum = 0;
        for (int p = 0; p < PROMPT.length; p++) {
            sum += QuantizationReportTest.kl(QuantizationReportTest.logSoftmax(bf16, p * vocab, vocab),
                    QuantizationReportTest.logSoftmax(q, p * vocab, vocab));
        }
        System.out.printf(Locale.ROOT, "tiny-random GPTQ desc_act: max |logit diff| vs twin %.2e, KL mean vs bf16 %.3e%n",
                maxDiff, sum / PROMPT.length);
    }
}
