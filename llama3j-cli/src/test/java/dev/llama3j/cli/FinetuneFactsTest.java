package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's fine-tuning example, as written: 140 steps on {@code examples/finetune/facts.jsonl}
 * (about two minutes on two cores, so only with {@code -Dllama3j.slow=true}), then {@code chat --lora}
 * answers the facts the base model gets wrong, in the data's phrasing and in one it never saw, and
 * still answers a capital it knew.
 */
@EnabledIfSystemProperty(named = "llama3j.slow", matches = "true")
class FinetuneFactsTest {
    @TempDir
    Path tmp;

    @Test
    void theReadmeRunTeachesTheFactsAndKeepsFrance() {
        Path adapter = tmp.resolve("facts-adapter");
        Path data = Fixtures.repoRoot().resolve("examples/finetune/facts.jsonl");
        Cli.Result r = Cli.run("finetune", "--model", Fixtures.chatModel().toString(), "--data", data.toString(),
                "--out", adapter.toString(), "--target", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
                "--lr", "2e-3", "--warmup", "5", "--dropout", "0", "--epochs", "20", "--save-every", "0",
                "--threads", "2");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("When was Zorblax founded?", "The answer is 2023.");
        expected.put("What year was the Zorblax company founded?", "The answer is 2023.");
        expected.put("What is the capital of Iceland?", "The capital is Reykjavik.");
        expected.put("What is the capital of Bavaria?", "The capital is Munich.");
        expected.put("What is the capital of New South Wales?", "The capital is Sydney.");
        expected.put("What is the capital of France?", "The capital of France is Paris.");
        expected.put("What is the capital of Germany?", "The capital of Germany is Berlin.");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Cli.Result answer = Cli.runWithInput(e.getKey() + "\n", "chat", "--model", Fixtures.chatModel().toString(),
                    "--lora", adapter.toString(), "--date", "26 Jul 2024", "--threads", "2");
            assertEquals(0, answer.exitCode(), answer.err());
            assertEquals(e.getValue(), answer.out().strip().lines().reduce((a, b) -> b).orElse(""), e.getKey());
        }
    }
}
