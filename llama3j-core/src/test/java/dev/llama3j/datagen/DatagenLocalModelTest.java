package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.LlamaOptions;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipeline on the tiny chat model: both generators and the judge share one engine. */
class DatagenLocalModelTest {
    private static final Path MODEL = Fixtures.path("tiny-llama-3.1-chat");

    @Test
    void twoGeneratorsAndAJudgeOnOneEngineAgreeWithOneRequestAtATime() {
        ModelSpec greedy = ModelSpec.parse(MODEL + "@max_tokens=16", "--generator");
        ModelSpec sampled = ModelSpec.parse(MODEL + "@temperature=0.8,top_p=0.9,seed=7,max_tokens=16", "--generator");
        ModelSpec judge = ModelSpec.parse(MODEL + "@max_tokens=24", "--judge");
        Map<ModelSpec, String> specs = new LinkedHashMap<>();
        specs.put(greedy, "--generator");
        specs.put(sampled, "--generator");
        specs.put(judge, "--judge");
        List<PromptRow> prompts = List.of(new PromptRow(0, "What is the capital of France?"),
                new PromptRow(1, "Hello!"), new PromptRow(2, "What is 12 + 7?"));
        UltraFeedback task = new UltraFeedback(UltraFeedbackAspect.OVERALL_RATING);
        List<DatagenRow> batched;
        List<DatagenRow> single;
        try (ModelPool pool = ModelPool.open(specs, LlamaOptions.defaults().withThreads(2).withContextSize(2048)
                .withParallel(8))) {
            assertEquals(1, pool.models().size(), "one engine for three specs on one model");
            List<ChatBackend> gens = List.of(pool.backend(greedy), pool.backend(sampled));
            batched = new DatagenPipeline(gens, pool.backend(judge), task, 4, DatagenProgress.NONE).process(prompts);
            single = new DatagenPipeline(gens, pool.backend(judge), task, 1, DatagenProgress.NONE).process(prompts);
        }
        assertEquals(3, batched.size());
        for (int i = 0; i < prompts.size(); i++) {
            DatagenRow r = batched.get(i);
            assertNull(r.error(), r.error());
            assertEquals(i, r.index());
            assertEquals(List.of("tiny-llama-3.1-chat", "tiny-llama-3.1-chat"), r.modelNames());
            assertEquals(2, r.generations().size());
            assertTrue(r.judgeOutput() != null);
            // Greedy and seeded requests do not depend on what else is in the batch.
            assertEquals(single.get(i).toJson(), r.toJson(), "row " + i);
        }
        assertTrue(batched.get(0).generations().get(0).contains("Paris"), batched.get(0).generations().get(0));
        for (DatagenRow r : batched) {
            RowSchema.assertValid(dev.llama3j.json.Json.writeCompact(r.toJson()));
        }
    }

    @Test
    void missingModelOrAdapterIsNamed() {
        ModelSpec missing = ModelSpec.parse("no/such/model@seed=1", "--generator");
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ModelPool.open(Map.of(missing, "--generator"), LlamaOptions.defaults()));
        assertEquals("--generator 'no/such/model@seed=1': model 'no/such/model' does not exist", e.getMessage());
        ModelSpec badAdapter = ModelSpec.parse(MODEL + "+" + MODEL, "--judge");
        e = assertThrows(InvalidRequestException.class,
                () -> ModelPool.open(Map.of(badAdapter, "--judge"), LlamaOptions.defaults()));
        assertTrue(e.getMessage().contains("is not a PEFT adapter folder (no adapter_config.json)"), e.getMessage());
    }
}
