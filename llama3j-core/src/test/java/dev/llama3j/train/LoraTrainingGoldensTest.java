package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.json.Json;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loss, every adapter gradient and ten AdamW steps on the random fixture model with a LoRA on all
 * seven projections, against PyTorch autograd ({@link TrainGoldens}), with and without gradient
 * checkpointing. Tolerance: {@link TrainGoldens#relativeError} ≤ 1e-4 per tensor; the loss within 1e-4
 * relative.
 */
class LoraTrainingGoldensTest {
    static final double TOLERANCE = 1e-4;
    static LlamaModel model;
    static TrainGoldens goldens;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.randomModel(), 2, 64);
        goldens = TrainGoldens.load();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @ParameterizedTest(name = "gradient checkpointing {0}")
    @ValueSource(booleans = {false, true})
    void lossAndEveryGradient(boolean checkpointing) {
        LoraParameters params = goldens.initialParameters(model);
        LoraTrainingModel training = new LoraTrainingModel(model, params, 32, checkpointing, 7);
        float loss = training.lossAndGradients(goldens.tokens(goldens.meta), goldens.targets(goldens.meta), 1f);
        double want = Json.asDouble(goldens.meta.get("loss"), "loss");
        assertEquals(want, loss, Math.abs(want) * TOLERANCE, "loss");
        goldens.forEach(goldens.grads, 0, (name, values) ->
                TrainGoldens.assertClose("gradient of " + name, params.peftGradients(params.byName(name)), values, TOLERANCE));
    }

    @ParameterizedTest(name = "gradient checkpointing {0}")
    @ValueSource(booleans = {false, true})
    void tenAdamWSteps(boolean checkpointing) {
        LoraParameters params = goldens.initialParameters(model);
        LoraTrainingModel training = new LoraTrainingModel(model, params, 32, checkpointing, 7);
        Map<String, Object> m = goldens.meta;
        AdamW adam = new AdamW(params.tensors(), 0.9f, 0.999f, 1e-8f, (float) Json.asDouble(m.get("weight_decay"), "wd"));
        double lr = Json.asDouble(m.get("lr"), "lr");
        double maxNorm = Json.asDouble(m.get("max_grad_norm"), "max_grad_norm");
        List<Object> micro = Json.asArray(m.get("micro_batches"), "micro_batches");
        List<Object> losses = Json.asArray(m.get("step_losses"), "step_losses");
        List<Object> norms = Json.asArray(m.get("step_grad_norms"), "step_grad_norms");
        for (int s = 0; s < losses.size(); s++) {
            params.zeroGradients();
            double loss = 0;
            for (Object b : micro) {
                Map<String, Object> batch = Json.asObject(b, "batch");
                loss += training.lossAndGradients(goldens.tokens(batch), goldens.targets(batch), 1f / micro.size())
                        / micro.size();
            }
            double norm = GradientClipping.clip(params.tensors(), maxNorm);
            adam.step(lr);
            int step = s + 1;
            double wantLoss = Json.asDouble(losses.get(s), "loss");
            assertEquals(wantLoss, loss, Math.abs(wantLoss) * TOLERANCE, "loss of step " + step);
            double wantNorm = Json.asDouble(norms.get(s), "norm");
            assertEquals(wantNorm, norm, wantNorm * TOLERANCE, "gradient norm of step " + step);
            goldens.forEach(goldens.steps, s * goldens.total, (name, values) -> TrainGoldens.assertClose(
                    name + " after step " + step, params.peftValues(params.byName(name)), values, TOLERANCE));
        }
    }
}
