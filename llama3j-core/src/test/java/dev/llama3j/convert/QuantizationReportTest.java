package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.LlamaCpp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A report, not a benchmark: how far Q8_0 and Q4_0 files of {@code tiny-random-llama-3.1} move the
 * next-token distributions from the F32 file's, over every position of the golden prompts, for llama3j
 * and for llama.cpp on the same files, and how far the two engines are apart on each file. It prints a
 * table and writes it to {@code target/quantization-report.md}.
 *
 * <p>By default it covers the {@code hello} prompt (37 positions); with {@code -Dllama3j.slow=true}
 * also {@code multilingual} (171 more; reading llama.cpp's full distributions costs ~0.1 s a position).
 *
 * <p>KL is {@code KL(reference || other)} in nats per position, from log-softmax in double precision;
 * llama.cpp's log-probabilities come from its float32 softmax, renormalised (those that underflow to 0
 * count as {@code log(Float.MIN_VALUE)}).
 */
public class QuantizationReportTest {
    private static final List<GgufFileType> TYPES = List.of(GgufFileType.ALL_F32, GgufFileType.MOSTLY_Q8_0,
            GgufFileType.MOSTLY_Q4_0);

    /** Distributions at each position, as log-probabilities: [position][token]. */
    private record Dists(float[][] logp) {}

    @Test
    @SuppressWarnings("unchecked")
    void report() throws IOException {
        LlamaCpp.ensureInstalled();
        List<String> cases = Boolean.getBoolean("llama3j.slow") ? List.of("hello", "multilingual") : List.of("hello");
        List<int[]> prompts = new ArrayList<>();
        for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
            if (cases.contains((String) c.get("name"))) {
                prompts.add(Fixtures.ints(c.get("ids")));
            }
        }
        Map<GgufFileType, Dists> ours = new LinkedHashMap<>();
        Map<GgufFileType, Dists> theirs = new LinkedHashMap<>();
        for (GgufFileType type : TYPES) {
            Path file = ConvertedModels.get("random", type);
            List<float[]> mine = new ArrayList<>();
            List<float[]> cpp = new ArrayList<>();
            try (LlamaModel model = ModelLoader.load(file, 2, 256)) {
                int vocab = model.config().vocabSize();
                for (int[] ids : prompts) {
                    float[] all = ParityUtil.allLogits(model, ids);
                    for (int p = 0; p < ids.length; p++) {
                        mine.add(logSoftmax(all, p * vocab, vocab));
                    }
                }
            }
            for (int[] ids : prompts) {
                cpp.addAll(List.of(LlamaCpp.logProbsAllPositions(file, ids, ConvertedModels.workDir())));
            }
            assertEquals(mine.size(), cpp.size(), "positions");
            ours.put(type, new Dists(mine.toArray(float[][]::new)));
            theirs.put(type, new Dists(cpp.toArray(float[][]::new)));
        }

        StringBuilder t = new StringBuilder();
        int positions = ours.get(GgufFileType.ALL_F32).logp.length;
        t.append(String.format(Locale.ROOT, "Quantization of tiny-random-llama-3.1 (%s, %d positions)%n%n",
                String.join(" + ", cases), positions));
        t.append("| engine | file | vs | KL mean | KL max | top-1 agreement |\n|---|---|---|---|---|---|\n");
        for (String engine : List.of("llama3j", "llama.cpp")) {
            Map<GgufFileType, Dists> d = engine.equals("llama3j") ? ours : theirs;
            for (GgufFileType q : List.of(GgufFileType.MOSTLY_Q8_0, GgufFileType.MOSTLY_Q4_0)) {
                row(t, engine, TensorTypeRecipe.nameOf(q), "F32, same engine", d.get(GgufFileType.ALL_F32), d.get(q));
            }
        }
        for (GgufFileType type : TYPES) {
            row(t, "llama.cpp", TensorTypeRecipe.nameOf(type), "llama3j, same file", ours.get(type), theirs.get(type));
        }
        System.out.println(t);
        Path out = Path.of("target", "quantization-report.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, t.toString());

        // Sanity, not thresholds on quality: both engines see the same files the same way.
        Stats f32 = stats(ours.get(GgufFileType.ALL_F32), theirs.get(GgufFileType.ALL_F32));
        assertEquals(1.0, f32.top1, "llama3j and llama.cpp pick the same top token on the F32 file");
        assertTrue(Math.abs(f32.klMean) < 1e-3, "F32 file: KL(llama3j || llama.cpp) = " + f32.klMean);
    }

    private record Stats(double klMean, double klMax, double top1) {}

    private static void row(StringBuilder t, String engine, String file, String vs, Dists ref, Dists other) {
        Stats s = stats(ref, other);
        t.append(String.format(Locale.ROOT, "| %s | %s | %s | %.3e | %.3e | %.1f%% |%n", engine, file, vs, s.klMean,
                s.klMax, 100 * s.top1));
    }

    private static Stats stats(Dists ref, Dists other) {
        double sum = 0;
        double max = 0;
        int agree = 0;
        int n = ref.logp.length;
        for (int p = 0; p < n; p++) {
            double kl = kl(ref.logp[p], other.logp[p]);
            sum += kl;
            max = Math.max(max, Math.abs(kl));
            if (ParityUtil.argmax(ref.logp[p], 0, ref.logp[p].length)
                    == ParityUtil.argmax(other.logp[p], 0, other.logp[p].length)) {
                agree++;
            }
        }
        return new Stats(sum / n, max, (double) agree / n);
    }

    private static final double LOG_MIN = Math.log(Float.MIN_VALUE);

    /**
     * KL(p || q) in nats from log-probabilities, each renormalised in double first (llama.cpp's float32
     * softmax sums to 1 only to about 1e-5, which would otherwise show as a KL of that size).
     */
    public static double kl(float[] logp, float[] logq) {
        double lseP = logSumExp(logp);
        double lseQ = logSumExp(logq);
        double sum = 0;
        for (int i = 0; i < logp.length; i++) {
            if (logp[i] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            double lp = logp[i] - lseP;
            double lq = Math.max(logq[i], LOG_MIN) - lseQ;
            sum += Math.exp(lp) * (lp - lq);
        }
        return sum;
    }

    private static double logSumExp(float[] logp) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logp) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logp) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    public static float[] logSoftmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double lse = max + Math.log(sum);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (logits[off + i] - lse);
        }
        return out;
    }
}
