package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.SyntheticShape;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.json.Json;
import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeLayout;
import dev.llama3j.testing.ConvertedModels;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The training model against the inference path and on other bases: the loss equals the
 * cross-entropy of {@link LlamaModel}'s logits; a GGUF base (Q/K rows permuted, interleaved rotary
 * layout) gives the PyTorch goldens' loss and gradients in PEFT's order; dropout is deterministic
 * and checkpointing reproduces it; bad inputs are refused by name.
 */
class LoraTrainingModelTest {
    static final LlamaModel model = TrainGoldens.randomModel();
    static final TrainGoldens goldens = TrainGoldens.load();

    static LoraTrainingSpec spec(float dropout) {
        return new LoraTrainingSpec(8, 16, dropout, EnumSet.allOf(Projection.class));
    }

    /** With B = 0 (PEFT's start) the adapted model is the base: the loss is the CE of the inference logits. */
    @Test
    void lossEqualsCrossEntropyOfInferenceLogits() {
        lossIsCrossEntropyOfInferenceLogits(goldens.tokens(goldens.meta), goldens.targets(goldens.meta));
        // Longer than the logits the loss holds at once: several chunks of positions.
        int n = 2 * LoraTrainingModel.LOGIT_ROWS + 7;
        java.util.SplittableRandom random = new java.util.SplittableRandom(8);
        int[] tokens = new int[n];
        boolean[] targets = new boolean[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(model.config().vocabSize());
            targets[i] = i % 5 != 0;
        }
        lossIsCrossEntropyOfInferenceLogits(tokens, targets);
    }

    private static void lossIsCrossEntropyOfInferenceLogits(int[] tokens, boolean[] targets) {
        int n = tokens.length;
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(n);
        int step = 64; // the model's batch size
        Batch batch = new Batch(step);
        float[] logits = new float[n * vocab];
        float[] part = new float[step * vocab];
        for (int start = 0; start < n; start += step) {
            int count = Math.min(step, n - start);
            batch.clear();
            for (int i = start; i < start + count; i++) {
                batch.add(tokens[i], i, cache, true);
            }
            model.forward(batch, part);
            System.arraycopy(part, 0, logits, start * vocab, count * vocab);
        }
        double sum = 0;
        int count = 0;
        for (int i = 1; i < n; i++) {
            if (!targets[i]) {
                continue;
            }
            int off = (i - 1) * vocab;
            sum += VocabularySoftmax.logSumExp(logits, off, vocab) - logits[off + tokens[i]];
            count++;
        }
        double want = sum / count;
        LoraParameters params = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 3);
        LoraTrainingModel training = new LoraTrainingModel(model, params, Math.max(32, n), false, 1);
        assertEquals(want, training.loss(tokens, targets), want * 1e-5);
        assertEquals(want, training.lossAndGradients(tokens, targets, 1f), want * 1e-5);
        // B = 0: A gets no gradient yet, B does
        assertEquals(0.0, GradientClipping.norm(java.util.List.of(params.a(0, Projection.Q))));
        assertTrue(GradientClipping.norm(java.util.List.of(params.b(0, Projection.Q))) > 0);
    }

    /** PEFT's init: A within ±1/sqrt(in) and not constant, B zero; the same seed gives the same A. */
    @Test
    void initializationIsPeftsAndSeeded() {
        LoraParameters p1 = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 11);
        LoraParameters p2 = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 11);
        LoraParameters p3 = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 12);
        TrainableTensor a = p1.a(1, Projection.DOWN);
        float bound = (float) (1 / Math.sqrt(model.config().intermediateSize()));
        float max = 0;
        for (float v : a.values()) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= bound && max > bound * 0.9f, "A's range " + max + " vs bound " + bound);
        assertArrayEquals(a.values(), p2.a(1, Projection.DOWN).values());
        assertNotEquals(a.values()[0], p3.a(1, Projection.DOWN).values()[0]);
        for (float v : p1.b(1, Projection.DOWN).values()) {
            assertEquals(0f, v);
        }
        assertEquals("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight", a.name());
        assertEquals(2 * 7 * 2, p1.tensors().size());
        assertEquals(20992, p1.count());
    }

    /** A GGUF base keeps Q/K rows permuted for llama.cpp: gradients come out in PEFT's order all the same. */
    @Test
    void ggufBaseGivesTheSameGradientsInPeftOrder() {
        try (LlamaModel gguf = ModelLoader.load(ConvertedModels.get("random", GgufFileType.MOSTLY_BF16), 2, 64)) {
            assertEquals(RopeLayout.INTERLEAVED, gguf.weights().rope().layout());
            LoraParameters params = goldens.initialParameters(gguf);
            LoraTrainingModel training = new LoraTrainingModel(gguf, params, 32, false, 7);
            float loss = training.lossAndGradients(goldens.tokens(goldens.meta), goldens.targets(goldens.meta), 1f);
            double want = Json.asDouble(goldens.meta.get("loss"), "loss");
            assertEquals(want, loss, want * 1e-4);
            goldens.forEach(goldens.grads, 0, (name, values, offset) -> TrainGoldens.assertClose(
                    "GGUF base, gradient of " + name, params.peftGradients(params.byName(name)), values, 1e-4));
        }
    }

    /** Only q and v targeted: the other projections have no tensors, and the loss still matches. */
    @Test
    void someTargetsOnly() {
        LoraTrainingSpec qv = new LoraTrainingSpec(4, 8, 0, Set.of(Projection.Q, Projection.V));
        LoraParameters params = LoraParameters.initialize(model.config(), RopeLayout.HALF, qv, 5);
        assertEquals(null, params.a(0, Projection.K));
        assertEquals(8, params.tensors().size());
        LoraTrainingModel training = new LoraTrainingModel(model, params, 32, true, 1);
        int[] tokens = goldens.tokens(goldens.meta);
        boolean[] targets = goldens.targets(goldens.meta);
        LoraParameters full = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 5);
        float base = new LoraTrainingModel(model, full, 32, false, 1).loss(tokens, targets);
        assertEquals(base, training.lossAndGradients(tokens, targets, 1f), base * 1e-5);
    }

    /**
     * Dropout draws a new mask per call from the seed: two models with the same seed agree exactly,
     * with or without checkpointing (the recomputed layer sees the same mask); evaluation has none.
     */
    @Test
    void dropoutIsDeterministicAndCheckpointingReproducesIt() {
        int[] tokens = goldens.tokens(goldens.meta);
        boolean[] targets = goldens.targets(goldens.meta);
        float[][] grads = new float[3][];
        float[] losses = new float[3];
        for (int run = 0; run < 3; run++) {
            LoraParameters params = goldens.initialParameters(model);
            LoraParameters drop = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0.3f), 1);
            for (TrainableTensor t : params.tensors()) {
                drop.setPeft(t.name(), t.values());
            }
            LoraTrainingModel training = new LoraTrainingModel(model, drop, 32, run == 1, run == 2 ? 99 : 42);
            losses[run] = training.lossAndGradients(tokens, targets, 1f);
            grads[run] = drop.a(0, Projection.UP).gradients().clone();
            float eval = training.loss(tokens, targets);
            assertEquals(Json.asDouble(goldens.meta.get("loss"), "loss"), eval, eval * 1e-4, "no dropout in evaluation");
            assertNotEquals(eval, losses[run], "dropout changes the training loss");
        }
        assertEquals(losses[0], losses[1]);
        assertArrayEquals(grads[0], grads[1]);
        assertNotEquals(losses[0], losses[2], "another seed draws other masks");
    }

    /** Accumulating the same sequence twice at scale 1/2 gives the gradient of one pass. */
    @Test
    void accumulationAveragesMicroBatches() {
        int[] tokens = goldens.tokens(goldens.meta);
        boolean[] targets = goldens.targets(goldens.meta);
        LoraParameters once = goldens.initialParameters(model);
        new LoraTrainingModel(model, once, 32, false, 1).lossAndGradients(tokens, targets, 1f);
        LoraParameters twice = goldens.initialParameters(model);
        LoraTrainingModel t = new LoraTrainingModel(model, twice, 32, false, 1);
        t.lossAndGradients(tokens, targets, 0.5f);
        t.lossAndGradients(tokens, targets, 0.5f);
        for (int i = 0; i < once.tensors().size(); i++) {
            TrainGoldens.assertClose(once.tensors().get(i).name(), twice.tensors().get(i).gradients(),
                    once.tensors().get(i).gradients(), 1e-6);
        }
    }

    @Test
    void badSequencesAreRefusedByName() {
        LoraParameters params = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 1);
        LoraTrainingModel training = new LoraTrainingModel(model, params, 8, false, 1);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> training.lossAndGradients(new int[] {1, 2, 128256}, new boolean[] {true, true, true}, 1f));
        assertTrue(e.getMessage().contains("token id 128256 at position 2"), e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> training.lossAndGradients(new int[] {1, 2, 3}, new boolean[] {true, false, false}, 1f));
        assertTrue(e.getMessage().contains("no target token"), e.getMessage());
        e = assertThrows(InvalidRequestException.class,
                () -> training.loss(new int[9], new boolean[9]));
        assertTrue(e.getMessage().contains("9 tokens; expected 2..8"), e.getMessage());
        e = assertThrows(InvalidRequestException.class, () -> new LoraTrainingModel(model, params, 1, false, 1));
        assertTrue(e.getMessage().contains("at least 2 tokens"), e.getMessage());
        LoraParameters chatShaped = LoraParameters.initialize(SyntheticShape.TINY.config, RopeLayout.HALF, spec(0), 1);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new LoraTrainingModel(model, chatShaped, 8, false, 1));
        assertTrue(shape.getMessage().contains("made for another model shape (q_proj of layer 0)"), shape.getMessage());
    }

    @Test
    void badSpecsAndTensorsAreRefusedByName() {
        Set<Projection> q = Set.of(Projection.Q);
        assertTrue(assertThrows(InvalidRequestException.class, () -> new LoraTrainingSpec(0, 16, 0, q))
                .getMessage().contains("rank must be at least 1"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new LoraTrainingSpec(8, -1, 0, q))
                .getMessage().contains("alpha must be a positive number"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new LoraTrainingSpec(8, 16, 1, q))
                .getMessage().contains("dropout must be in [0, 1)"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new LoraTrainingSpec(8, 16, 0, Set.of()))
                .getMessage().contains("at least one target"));
        LoraParameters params = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 1);
        assertTrue(assertThrows(InvalidRequestException.class, () -> params.setPeft("nope", new float[1]))
                .getMessage().contains("no trainable LoRA tensor named 'nope'"));
        String name = params.a(0, Projection.Q).name();
        assertTrue(assertThrows(InvalidRequestException.class, () -> params.setPeft(name, new float[3]))
                .getMessage().contains("3 values, expected 8x64"));
    }

    @Test
    void badOptimizerSettingsAndStateAreRefused() {
        LoraParameters params = LoraParameters.initialize(model.config(), RopeLayout.HALF, spec(0), 1);
        assertThrows(InvalidRequestException.class, () -> new AdamW(params.tensors(), 1f, 0.999f, 1e-8f, 0f));
        assertThrows(InvalidRequestException.class, () -> new AdamW(params.tensors(), 0.9f, 0.999f, 1e-8f, -1f));
        AdamW adam = new AdamW(params.tensors());
        assertTrue(assertThrows(InvalidRequestException.class, () -> adam.restore(1, new float[1][], new float[1][]))
                .getMessage().contains("optimizer state for 1 tensors"));
        float[][] m = adam.firstMoments().clone();
        m[0] = new float[1];
        assertTrue(assertThrows(InvalidRequestException.class, () -> adam.restore(1, m, adam.secondMoments()))
                .getMessage().contains("optimizer state of '" + params.tensors().get(0).name() + "'"));
    }
}
