package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.LlamaCpp;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp (node-llama-cpp 3.21.1) and llama3j on the same files that {@code convert} writes: both
 * fixture models in F32, F16, Q8_0 and Q4_0. llama.cpp must load each file and continue every golden
 * prompt greedily as llama3j does (exactly on float files; on quantized files up to printed near-ties,
 * see {@link #NEAR_TIE}), and tokenize the 38 golden texts as llama3j does.
 */
class LlamaCppAgreementTest {
    @BeforeAll
    static void install() {
        LlamaCpp.ensureInstalled();
    }

    static Stream<Arguments> files() {
        List<Arguments> out = new ArrayList<>();
        for (String model : List.of("random", "chat")) {
            for (GgufFileType type : List.of(GgufFileType.ALL_F32, GgufFileType.MOSTLY_F16, GgufFileType.MOSTLY_Q8_0,
                    GgufFileType.MOSTLY_Q4_0)) {
                out.add(Arguments.of(model, type));
            }
        }
        return out.stream();
    }

    /** The golden prompts of a fixture model, with how many tokens to continue each. */
    record Prompts(List<String> names, List<int[]> ids, int[] n, List<int[]> golden) {}

    @SuppressWarnings("unchecked")
    static Prompts prompts(String model) {
        List<String> names = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        List<int[]> golden = new ArrayList<>();
        if (model.equals("random")) {
            for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
                if (c.get("greedy24") != null) {
                    names.add((String) c.get("name"));
                    ids.add(Fixtures.ints(c.get("ids")));
                    golden.add(Fixtures.ints(c.get("greedy24")));
                }
            }
        } else {
            var probes = (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model"))
                    .get("probes");
            for (Map<String, Object> p : probes) {
                names.add(String.valueOf(p.get("greedy_text")));
                ids.add(Fixtures.ints(p.get("prompt_ids")));
                golden.add(Fixtures.ints(p.get("greedy")));
            }
        }
        return new Prompts(names, ids, golden.stream().mapToInt(g -> g.length).toArray(), golden);
    }

    /**
     * How far apart, in llama3j's logits, llama3j's choice and llama.cpp's may be on a quantized file.
     * llama.cpp rounds activations to 8 bits (Q8_0 blocks) before every dot product with Q8_0 or Q4_0
     * weights; llama3j's logits here come from a prompt pass ({@link ParityUtil#logitsAt}), which computes
     * in fp32, or where its integer prompt path runs (Q4_0 on AMD hosts: {@code IntGemm}) rounds the
     * activations as llama.cpp does and then sums in another order. On logits of 10 to 20 that moves a
     * logit by a few hundredths, so where llama3j's two best tokens are that close the engines may pick
     * differently (observed on the fixtures: margins of 0.013 to 0.048). Each such step is printed, and
     * must go away when both engines run the same weight values in F32
     * ({@link ConvertedModels#dequantizedTwin}).
     */
    static final float NEAR_TIE = 0.1f;

    /**
     * llama.cpp's greedy tokens checked step by step against llama3j given the same context (llama.cpp's
     * tokens so far): llama3j's argmax must be llama.cpp's token. On F32 and F16 files every step must
     * agree and llama3j's own greedy continuation must also be the golden one. On Q8_0 and Q4_0 files a
     * step may differ only at a near-tie ({@link #NEAR_TIE}); then the two engines must agree at every
     * step of that prompt once both run the same weights without rounding activations: the F32 twin of
     * the file, whose values are the dequantized weights.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("files")
    void greedyAgrees(String model, GgufFileType type) {
        Path file = ConvertedModels.get(model, type);
        Prompts prompts = prompts(model);
        boolean exact = type == GgufFileType.ALL_F32 || type == GgufFileType.MOSTLY_F16;
        List<int[]> theirs = LlamaCpp.greedy(file, prompts.ids(), prompts.n(), ConvertedModels.workDir());
        List<String> failures = new ArrayList<>();
        List<String> nearTies = new ArrayList<>();
        List<Integer> nearTiePrompts = new ArrayList<>();
        try (LlamaModel ours = ModelLoader.load(file, 2, 512)) {
            for (int i = 0; i < prompts.ids().size(); i++) {
                int[] prompt = prompts.ids().get(i);
                String name = prompts.names().get(i);
                int before = nearTies.size();
                compareAlong(ours, name, prompt, theirs.get(i), prompts.n()[i], exact ? 0 : NEAR_TIE, failures, nearTies);
                if (nearTies.size() > before) {
                    nearTiePrompts.add(i);
                }
                if (exact) {
                    assertArrayEquals(prompts.golden().get(i), ParityUtil.greedy(ours, prompt, prompts.n()[i]),
                            model + " " + type + " llama3j vs the golden for '" + name + "'");
                }
            }
            if (!nearTiePrompts.isEmpty()) {
                // The same weight values in F32: llama.cpp then computes in fp32 too, and must agree exactly.
                Path twin = ConvertedModels.dequantizedTwin(model, type);
                List<int[]> ids = nearTiePrompts.stream().map(prompts.ids()::get).toList();
                int[] n = nearTiePrompts.stream().mapToInt(i -> prompts.n()[i]).toArray();
                List<int[]> twinTokens = LlamaCpp.greedy(twin, ids, n, ConvertedModels.workDir());
                try (LlamaModel ourTwin = ModelLoader.load(twin, 2, 512)) {
                    for (int j = 0; j < ids.size(); j++) {
                        String name = prompts.names().get(nearTiePrompts.get(j)) + " (both on the F32 twin)";
                        compareAlong(ourTwin, name, ids.get(j), twinTokens.get(j), n[j], 0, failures,
                                new ArrayList<>());
                    }
                }
            }
        }
        for (String t : nearTies) {
            System.out.println("[llama.cpp near-tie] " + model + " " + type + ": " + t
                    + "; on the F32 twin the engines " + (failures.isEmpty() ? "agree" : "disagree: see failures"));
        }
        if (!failures.isEmpty()) {
            fail(model + " " + type + ": llama3j and llama.cpp disagree:\n  " + String.join("\n  ", failures)
                    + (nearTies.isEmpty() ? "" : "\n near-ties:\n  " + String.join("\n  ", nearTies)));
        }
    }

    /**
     * Checks llama.cpp's tokens {@code cpp} for {@code prompt} step by step against llama3j's argmax along
     * the same context; a difference within {@code tolerance} of llama3j's logits goes to {@code nearTies},
     * a larger one to {@code failures}.
     */
    private static void compareAlong(LlamaModel ours, String name, int[] prompt, int[] cpp, int n, float tolerance,
            List<String> failures, List<String> nearTies) {
        if (cpp.length != n) {
            failures.add("'" + name + "': llama.cpp gave " + cpp.length + " tokens, asked for " + n);
            return;
        }
        float[][] logits = logitsAlong(ours, prompt, cpp);
        for (int k = 0; k < cpp.length; k++) {
            int mine = ParityUtil.argmax(logits[k], 0, logits[k].length);
            if (mine == cpp[k]) {
                continue;
            }
            float margin = logits[k][mine] - logits[k][cpp[k]];
            String line = String.format("'%s' step %d: llama3j %d (logit %.4f), llama.cpp %d (logit %.4f in llama3j),"
                    + " margin %.4f", name, k, mine, logits[k][mine], cpp[k], logits[k][cpp[k]], margin);
            (margin > tolerance ? failures : nearTies).add(line);
        }
    }

    /** llama3j's logits after the prompt and after each of {@code continuation}'s tokens but the last. */
    private static float[][] logitsAlong(LlamaModel model, int[] prompt, int[] continuation) {
        int[] context = Arrays.copyOf(prompt, prompt.length + continuation.length - 1);
        System.arraycopy(continuation, 0, context, prompt.length, continuation.length - 1);
        int[] wanted = new int[continuation.length];
        for (int k = 0; k < wanted.length; k++) {
            wanted[k] = prompt.length - 1 + k;
        }
        return ParityUtil.logitsAt(model, context, wanted);
    }

    /**
     * A synthetic Q4_0 file, whose output matrix is Q6_K (rows of 256), which the fixtures' rows of 64
     * never are: the two engines' next-token log-probabilities agree. Random weights give flat logits
     * (a spread of about 0.3), so this compares distributions, not argmaxes.
     */
    @org.junit.jupiter.api.Test
    void syntheticQ6_KOutputAgrees() {
        Path file = ConvertedModels.tinySyntheticQ4(11, "syn-agree.gguf");
        int[] prompt = {128000, 9906, 1917, 11, 1268, 527, 499, 30};
        float[][] cpp = LlamaCpp.logProbsAllPositions(file, prompt, ConvertedModels.workDir());
        try (LlamaModel ours = ModelLoader.load(file, 2, 64)) {
            float[] all = ParityUtil.allLogits(ours, prompt);
            int vocab = ours.config().vocabSize();
            for (int p = 0; p < prompt.length; p++) {
                float[] mine = QuantizationReportTest.logSoftmax(all, p * vocab, vocab);
                double kl = QuantizationReportTest.kl(mine, cpp[p]);
                float maxAbs = 0;
                for (int i = 0; i < vocab; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(mine[i] - cpp[p][i]));
                }
                System.out.printf("[llama.cpp synthetic q4_0/q6_K] position %d: KL %.2e, max |log p diff| %.4f%n", p, kl,
                        maxAbs);
                org.junit.jupiter.api.Assertions.assertTrue(maxAbs < 0.05 && Math.abs(kl) < 1e-4,
                        "position " + p + ": KL " + kl + ", max |log p diff| " + maxAbs);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"random", "chat"})
    void tokenizationAgrees(String model) {
        // Tokenizing reads only the vocabulary; the Q4_0 file is the smallest.
        Path file = ConvertedModels.get(model, GgufFileType.MOSTLY_Q4_0);
        List<Map<String, Object>> cases = Fixtures.goldenList("tokenizer");
        List<String> texts = cases.stream().map(c -> (String) c.get("text")).toList();
        List<int[]> special = LlamaCpp.tokenize(file, texts, true, ConvertedModels.workDir());
        List<int[]> plain = LlamaCpp.tokenize(file, texts, false, ConvertedModels.workDir());
        Tokenizer ours;
        try (GgufFile gguf = GgufFile.open(file)) {
            ours = GgufVocabulary.tokenizer(gguf);
        }
        for (int i = 0; i < texts.size(); i++) {
            String what = model + " text " + i + " " + abbreviate(texts.get(i));
            int[] mineSpecial = ours.encode(texts.get(i), true);
            int[] minePlain = ours.encode(texts.get(i), false);
            assertArrayEquals(mineSpecial, special.get(i), what + ": llama.cpp, special tokens parsed");
            assertArrayEquals(minePlain, plain.get(i), what + ": llama.cpp, special-token text as plain text");
            assertArrayEquals(Fixtures.ints(cases.get(i).get("ids")), mineSpecial, what + ": Hugging Face golden");
            assertArrayEquals(Fixtures.ints(cases.get(i).get("ids_split_special")), minePlain,
                    what + ": Hugging Face golden, split special");
        }
    }

    private static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n");
        return oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine;
    }
}
