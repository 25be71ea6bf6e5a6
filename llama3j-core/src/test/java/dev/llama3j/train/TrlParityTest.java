package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.json.Json;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.Projection;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.SafetensorsFloats;
import dev.llama3j.tokenizer.Tokenizer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our data reading and loss against TRL 1.13's SFTTrainer (goldens of
 * {@code tools/fixtures/make_trl_goldens.py}) on the chat model: the same tokens and the same trained
 * tokens (labels other than -100) for conversations with {@code assistant_only_loss} and for
 * prompt-completion pairs, and the same loss before training, per record and as the first step's
 * token-weighted loss over gradient accumulation.
 */
class TrlParityTest {
    /**
     * Relative for losses above 1, absolute below: a loss near 0 (an answer the model knows) is the
     * difference of two fp32 numbers of about 10, good to about 1e-7 absolute.
     */
    static final double LOSS_TOLERANCE = 2e-5;

    static double tolerance(double golden) {
        return LOSS_TOLERANCE * Math.max(1, golden);
    }

    static LlamaModel model;
    static Map<String, Object> goldens;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() {
        goldens = Json.asObject(Json.parseFile(dir().resolve("trl-goldens.json")), "trl-goldens");
        model = ModelLoader.load(chatModel(), 2, 16);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static Path chatModel() {
        return Fixtures.repoRoot().resolve("models/tiny-llama-3.1-chat");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(String group) {
        return (List<Map<String, Object>>) (List<?>) Json.asArray(Json.asObject(goldens.get(group), group).get("cases"),
                "cases");
    }

    private static double firstStepLoss(String group) {
        return Json.asDouble(Json.asObject(goldens.get(group), group).get("first_step_loss"), "first_step_loss");
    }

    /** The group's records, read as {@code finetune --data} reads them. */
    private static TrainingSet read(String group) throws IOException {
        List<String> records = new ArrayList<>();
        for (Map<String, Object> c : cases(group)) {
            records.add(Json.write(c.get("record")));
        }
        Path file = tmp.resolve(group + ".jsonl");
        Files.write(file, records);
        ExampleEncoder encoder = new ExampleEncoder(ChatTemplate.fromTokenizerDir(chatModel()), Tokenizer.load(chatModel()));
        return new TrainingDataReader(encoder, 1024).read(file);
    }

    private static LoraTrainingSpec spec(float dropout) {
        return new LoraTrainingSpec(8, 16, dropout, EnumSet.allOf(Projection.class));
    }

    private static void sameTokensAndTargets(String group) throws IOException {
        TrainingSet set = read(group);
        List<Map<String, Object>> cases = cases(group);
        assertEquals(cases.size(), set.size());
        for (int i = 0; i < cases.size(); i++) {
            TrainingExample e = set.examples().get(i);
            assertArrayEquals(Fixtures.ints(cases.get(i).get("input_ids")), e.tokens(), group + " " + i + ": tokens");
            List<Integer> trained = new ArrayList<>();
            for (int t = 1; t < e.length(); t++) {
                if (e.targets()[t]) {
                    trained.add(t);
                }
            }
            assertEquals(Json.asArray(cases.get(i).get("trained"), "trained").stream()
                    .map(o -> ((Number) o).intValue()).toList(), trained, group + " " + i + ": trained tokens");
        }
    }

    @Test
    void conversationsTrainTheTokensTrlsAssistantOnlyLossTrains() throws IOException {
        sameTokensAndTargets("conversations");
    }

    @Test
    void promptCompletionPairsTrainTheTokensTrlTrains() throws IOException {
        sameTokensAndTargets("prompt_completion");
    }

    /** With B = 0 the adapter changes nothing: each record's loss is TRL's before training. */
    @Test
    void lossBeforeTrainingIsTrls() throws IOException {
        for (String group : List.of("conversations", "prompt_completion")) {
            TrainingSet set = read(group);
            LoraParameters params = LoraParameters.initialize(model.config(), model.weights().rope().layout(),
                    spec(0f), 42);
            LoraTrainingModel training = new LoraTrainingModel(model, params, 1024, false, 1);
            List<Map<String, Object>> cases = cases(group);
            for (int i = 0; i < cases.size(); i++) {
                TrainingExample e = set.examples().get(i);
                double golden = Json.asDouble(cases.get(i).get("loss"), "loss");
                double ours = training.loss(e.tokens(), e.targets());
                System.out.printf("%s %d: loss %.7f, TRL %.7f (rel %.2g)%n", group, i, ours, golden,
                        Math.abs(ours - golden) / golden);
                assertEquals(golden, ours, tolerance(golden), group + " " + i + ": loss");
            }
        }
    }

    /**
     * One optimizer step over the whole group (batch 1, gradient accumulation over all of it, dropout
     * 0.05 as TRL's run had): its loss is what SFTTrainer logs for its first step.
     */
    @Test
    void firstStepLossIsSftTrainers() throws IOException {
        for (String group : List.of("conversations", "prompt_completion")) {
            TrainingSet set = read(group);
            FinetuneSettings s = new FinetuneSettings(spec(0.05f), false, false, 1e-4,
                    LearningRateSchedule.Kind.LINEAR, 0, 1, 1, 1, set.size(), 1024, false, 42, 0.0, 1.0, 0, 0);
            List<TrainingListener.Step> steps = new ArrayList<>();
            new FinetuneRun(model, s, set, null, tmp.resolve(group + "-run"), "tiny", steps::add).run(null, 0);
            double golden = firstStepLoss(group);
            System.out.printf("%s: first step loss %.7f, SFTTrainer %.7f%n", group, steps.get(0).loss(), golden);
            assertEquals(golden, steps.get(0).loss(), tolerance(golden), group + ": first step loss");
        }
    }

    private static Path dir() {
        try {
            return Path.of(TrlParityTest.class.getResource("/train/trl/trl-goldens.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The F32 tensors of a safetensors file, by name. */

    /**
     * Two optimizer steps over the conversations (gradient accumulation 4, AdamW at 1e-3 on the linear
     * schedule, clipping at 1) from the adapter PEFT initialised, given to our run as a checkpoint at step
     * 0: the same step losses SFTTrainer logged and the adapter it ended with. Adam divides each gradient
     * by its own size, so a gradient near zero, whose sign fp32 summation order decides, moves its value a
     * whole step either way: the check is on the update as a whole (within 1% of its norm; measured
     * 0.3%), on nearly every value (at most 0.1% of them beyond 1e-5; measured 5 of 14,336) and on no
     * value moving more than one learning-rate step apart (measured 3.6e-4 at lr 1e-3).
     */
    @Test
    void twoStepsFromTrlsStartEndWithTrlsAdapter() throws IOException {
        Map<String, Object> g = Json.asObject(goldens.get("two_steps"), "two_steps");
        EnumSet<Projection> targets = EnumSet.noneOf(Projection.class);
        for (Object m : Json.asArray(g.get("targets"), "targets")) {
            targets.add(Projection.ofModule((String) m));
        }
        LoraTrainingSpec spec = new LoraTrainingSpec(Json.asInt(g.get("r"), "r"), (float) Json.asDouble(g.get("alpha"),
                "alpha"), 0f, targets);
        TrainingSet set = read("conversations");
        FinetuneSettings s = new FinetuneSettings(spec, false, false, Json.asDouble(g.get("lr"), "lr"),
                LearningRateSchedule.Kind.LINEAR, 0, 1, Json.asInt(g.get("steps"), "steps"), 1,
                Json.asInt(g.get("grad_accum"), "grad_accum"), 1024, false, 42, 0.0, 1.0, 0, 0);
        LoraParameters params = LoraParameters.initialize(model.config(), model.weights().rope().layout(), spec, 42);
        Map<String, float[]> init = SafetensorsFloats.read(
                dir().resolve((String) g.get("init")).resolve(LoraAdapter.WEIGHTS_FILE));
        assertEquals(params.tensors().size(), init.size());
        for (TrainableTensor t : params.tensors()) {
            params.setPeft(t.name(), init.get(t.name()));
        }
        Path start = tmp.resolve("trl-start");
        TrainingCheckpoint.save(start, PeftAdapterWriter.Settings.of(spec, "tiny"), params, new AdamW(params.tensors()),
                s, new TrainingCheckpoint.Position(0, 0, 0, set.size(), set.tokens(), 0));
        List<TrainingListener.Step> steps = new ArrayList<>();
        Path out = tmp.resolve("trl-two-steps");
        new FinetuneRun(model, s, set, null, out, "tiny", steps::add).run(start, 0);

        List<Object> losses = Json.asArray(g.get("losses"), "losses");
        assertEquals(losses.size(), steps.size());
        for (int i = 0; i < steps.size(); i++) {
            double golden = ((Number) losses.get(i)).doubleValue();
            System.out.printf("two steps: step %d loss %.7f, SFTTrainer %.7f%n", i + 1, steps.get(i).loss(), golden);
            assertEquals(golden, steps.get(i).loss(), tolerance(golden), "loss of step " + (i + 1));
        }
        Map<String, float[]> trl = SafetensorsFloats.read(
                dir().resolve((String) g.get("final")).resolve(LoraAdapter.WEIGHTS_FILE));
        Map<String, float[]> ours = SafetensorsFloats.read(out.resolve(LoraAdapter.WEIGHTS_FILE));
        assertEquals(trl.keySet(), ours.keySet());
        double diff2 = 0;
        double update2 = 0;
        double worst = 0;
        int values = 0;
        int beyond = 0;
        for (String name : trl.keySet()) {
            float[] a = trl.get(name);
            float[] b = ours.get(name);
            float[] before = init.get(name);
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs(a[i] - b[i]);
                diff2 += d * d;
                update2 += (double) (a[i] - before[i]) * (a[i] - before[i]);
                worst = Math.max(worst, d);
                beyond += d > 1e-5 ? 1 : 0;
                values++;
            }
        }
        double relative = Math.sqrt(diff2 / update2);
        System.out.printf("two steps: adapter update differs by %.3g of its norm; %d of %d values by more than 1e-5,"
                + " the most by %.3g%n", relative, beyond, values, worst);
        assertTrue(relative < 1e-2, "the two steps' update differs from TRL's by " + relative + " of its norm");
        assertTrue(beyond <= values / 1000, beyond + " of " + values + " values differ by more than 1e-5");
        assertTrue(worst <= s.lr(), "a value differs by " + worst + ", more than one step can move it");
    }
}
