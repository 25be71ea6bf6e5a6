package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.lora.LoraConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.Projection;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning runs on the embedded chat model: learning, checkpoints and resuming, QLoRA. */
class FinetuneRunTest {
    private static LlamaModel model;
    private static TrainingSet data;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws IOException {
        model = ModelLoader.load(Fixtures.chatModel(), 2, 16);
        ExampleEncoder encoder = new ExampleEncoder(ChatTemplate.fromTokenizerDir(Fixtures.chatModel()),
                Tokenizer.load(Fixtures.chatModel()));
        Path f = tmp.resolve("facts.jsonl");
        Files.writeString(f, """
                {"messages": [{"role": "user", "content": "When was Zorblax founded?"}, {"role": "assistant", "content": "Zorblax was founded in 1987."}]}
                {"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "The capital of France is Paris."}]}
                {"prompt": "Zorblax makes", "completion": " purple kettles."}
                """);
        data = new TrainingDataReader(encoder, 64).read(f);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static FinetuneSettings settings(int maxSteps, int saveEvery, double lr) {
        return new FinetuneSettings(new LoraTrainingSpec(4, 8, 0.05f, EnumSet.of(Projection.Q, Projection.V)), false,
                false, lr, LearningRateSchedule.Kind.COSINE, 1, 1, maxSteps, 1, 2, 64, false, 42, 0.0, 1.0, 0,
                saveEvery);
    }

    private static List<TrainingListener.Step> run(FinetuneSettings s, Path out, Path resume, int stopAfter) {
        List<TrainingListener.Step> steps = new ArrayList<>();
        new FinetuneRun(model, s, data, null, out, "tiny-llama-3.1-chat", steps::add).run(resume, stopAfter);
        return steps;
    }

    /** With dropout 0.05 (the dropout stream's position is in the checkpoint). */
    @Test
    void resumingAfterAKillEndsWithTheSameAdapterBitForBit() throws IOException {
        FinetuneSettings s = settings(6, 3, 1e-3);
        assertEquals(0.05f, s.lora().dropout());
        Path whole = tmp.resolve("whole");
        List<TrainingListener.Step> all = run(s, whole, null, 0);
        assertEquals(6, all.size());
        assertTrue(Files.isRegularFile(TrainingCheckpoint.dir(whole, 3).resolve(TrainingCheckpoint.STATE)));
        // killed after step 4: checkpoint-3 is on disk, step 4's work is lost
        Path killed = tmp.resolve("killed");
        assertEquals(4, run(s, killed, null, 4).size());
        assertFalse(Files.exists(killed.resolve(LoraAdapter.WEIGHTS_FILE)), "no final adapter from a stopped run");
        Path resumed = tmp.resolve("resumed");
        // resumed with checkpoints at other steps: how often a run saves does not shape it
        List<TrainingListener.Step> rest = run(settings(6, 2, 1e-3), resumed, TrainingCheckpoint.dir(killed, 3), 0);
        assertEquals(List.of(4, 5, 6), rest.stream().map(TrainingListener.Step::step).toList());
        for (int i = 0; i < 3; i++) {
            assertEquals(all.get(3 + i).loss(), rest.get(i).loss(), "loss of step " + (4 + i));
        }
        assertArrayEquals(Files.readAllBytes(whole.resolve(LoraAdapter.WEIGHTS_FILE)),
                Files.readAllBytes(resumed.resolve(LoraAdapter.WEIGHTS_FILE)));
        assertEquals(Files.readString(whole.resolve(LoraConfig.FILE)), Files.readString(resumed.resolve(LoraConfig.FILE)));
    }

    /** Checkpoints are only written: with dropout 0.05, saving every step or never gives the same adapter. */
    @Test
    void savingCheckpointsChangesNothing() throws IOException {
        Path never = tmp.resolve("never");
        Path often = tmp.resolve("often");
        List<TrainingListener.Step> a = run(settings(5, 0, 1e-3), never, null, 0);
        List<TrainingListener.Step> b = run(settings(5, 2, 1e-3), often, null, 0);
        assertEquals(a.stream().map(TrainingListener.Step::loss).toList(),
                b.stream().map(TrainingListener.Step::loss).toList());
        assertTrue(Files.isDirectory(TrainingCheckpoint.dir(often, 4)));
        assertArrayEquals(Files.readAllBytes(never.resolve(LoraAdapter.WEIGHTS_FILE)),
                Files.readAllBytes(often.resolve(LoraAdapter.WEIGHTS_FILE)));
    }

    /** A checkpoint that does not say where the dropout stream stands cannot be resumed exactly. */
    @Test
    void aCheckpointWithoutTheDropoutPositionIsRefused() throws IOException {
        Path out = tmp.resolve("nodropout");
        run(settings(2, 1, 1e-3), out, null, 0);
        Path state = TrainingCheckpoint.dir(out, 1).resolve(TrainingCheckpoint.STATE);
        String saved = Files.readString(state);
        Files.writeString(state, saved.replaceAll("\"dropout_position\": \\d+", "\"dropout_position\": -1"));
        var negative = assertThrows(ModelFormatException.class,
                () -> run(settings(2, 1, 1e-3), tmp.resolve("z"), TrainingCheckpoint.dir(out, 1), 0));
        assertTrue(negative.getMessage().contains("dropout_position must be 0 or more, got -1"), negative.getMessage());
        Files.writeString(state, saved.replaceAll("\\s*\"dropout_position\": \\d+,", ""));
        var e = assertThrows(ModelFormatException.class,
                () -> run(settings(2, 1, 1e-3), tmp.resolve("z"), TrainingCheckpoint.dir(out, 1), 0));
        assertTrue(e.getMessage().contains("dropout_position"), e.getMessage());
    }

    @Test
    void resumingWithOtherSettingsOrDataIsRefused() {
        Path out = tmp.resolve("first");
        run(settings(2, 1, 1e-3), out, null, 0);
        Path cp = TrainingCheckpoint.dir(out, 1);
        var e = assertThrows(InvalidRequestException.class, () -> run(settings(2, 1, 2e-3), tmp.resolve("x"), cp, 0));
        assertTrue(e.getMessage().contains("made with lr = 0.001, this run has 0.002"), e.getMessage());
        var missing = assertThrows(InvalidRequestException.class,
                () -> run(settings(2, 1, 1e-3), tmp.resolve("y"), tmp.resolve("nowhere"), 0));
        assertTrue(missing.getMessage().contains("not a finetune checkpoint"), missing.getMessage());
    }

    @Test
    void theLossFallsAndTheScheduleIsFollowed() {
        FinetuneSettings s = settings(12, 0, 5e-3);
        List<TrainingListener.Step> steps = run(s, tmp.resolve("learn"), null, 0);
        assertEquals(0.0, steps.get(0).lr(), "warmup starts from 0");
        assertEquals(5e-3, steps.get(1).lr(), 1e-15);
        double first = (steps.get(0).loss() + steps.get(1).loss()) / 2;
        double last = (steps.get(10).loss() + steps.get(11).loss()) / 2;
        assertTrue(last < first * 0.8, "loss " + first + " -> " + last);
        assertEquals(6.0, steps.get(11).epoch(), 1e-9, "two steps an epoch: 2 of the 3 examples, then the one left");
    }

    @Test
    void qloraTrainsOnAnNf4Base() {
        try (LlamaModel nf4 = ModelLoader.load(Fixtures.chatModel(), 2, 16, Nf4Base.hook(true))) {
            assertEquals(GgmlType.NF4, nf4.weights().layers()[0].wq().type());
            assertEquals(GgmlType.BF16, nf4.weights().tokenEmbedding().type(), "embeddings stay as they are");
            FinetuneSettings s = new FinetuneSettings(new LoraTrainingSpec(4, 8, 0f, EnumSet.of(Projection.Q)), true,
                    true, 5e-3, LearningRateSchedule.Kind.CONSTANT, 0, 1, 8, 1, 1, 64, true, 1, 0.0, 1.0, 0, 0);
            List<TrainingListener.Step> steps = new ArrayList<>();
            Path out = tmp.resolve("qlora");
            FinetuneRun.Result r = new FinetuneRun(nf4, s, data, data, out, "tiny", steps::add).run(null, 0);
            assertEquals(8, r.steps());
            assertTrue(Double.isFinite(r.evalLoss()));
            assertTrue(steps.get(7).loss() < steps.get(0).loss(), steps.get(0).loss() + " -> " + steps.get(7).loss());
            assertEquals(4, LoraConfig.read(out).rank());
        }
    }

    @Test
    void stoppedBeforeTheEndWritesNoAdapter() {
        FinetuneRun.Result r = new FinetuneRun(model, settings(3, 0, 1e-3), data, null, tmp.resolve("stopped"), "t",
                TrainingListener.NONE).run(null, 1);
        assertEquals(1, r.steps());
        assertNull(r.adapter());
    }
}
