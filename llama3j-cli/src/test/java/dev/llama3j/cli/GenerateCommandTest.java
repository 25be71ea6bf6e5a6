package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
    @Test
    @SuppressWarnings("unchecked")
    void printsGoldenGreedyTokensAsJson() {
        Map<String, Object> chat = (Map<String, Object>) Fixtures.goldens().get("chat_model");
        List<Map<String, Object>> probes = (List<Map<String, Object>>) chat.get("probes");
        for (int i : new int[] {0, 5, 6}) {
            Map<String, Object> probe = probes.get(i);
            int[] prompt = Fixtures.ints(probe.get("prompt_ids"));
            String ids = IntStream.of(prompt).mapToObj(String::valueOf).collect(Collectors.joining(","));
            Cli.Result r = Cli.run("generate", "--model", Fixtures.chatModel().toString(), "--prompt-ids", ids,
                    "--temperature", "0", "--json");
            assertEquals(0, r.exitCode(), r.err());
            Map<String, Object> o = Json.asObject(Json.parse(r.out().strip()), "output");
            assertArrayEquals(Fixtures.ints(probe.get("greedy")), Fixtures.ints(o.get("tokens")));
            assertArrayEquals(prompt, Fixtures.ints(o.get("prompt_tokens")));
            assertEquals("stop", o.get("finish_reason"));
            String golden = (String) probe.get("greedy_text");
            assertEquals(golden.substring(0, golden.lastIndexOf("<|")), o.get("text"));
            assertTrue(((Number) o.get("gen_tok_s")).doubleValue() > 0);
        }
    }

    @Test
    void textPromptAndLengthLimit() {
        Cli.Result r = Cli.run("generate", "--model", Fixtures.chatModel().toString(), "-p",
                "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                "--temperature", "0", "--max-tokens", "3", "--json");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> o = Json.asObject(Json.parse(r.out().strip()), "output");
        assertEquals("length", o.get("finish_reason"));
        assertEquals("The capital of", o.get("text"));
        assertEquals(128000, Fixtures.ints(o.get("prompt_tokens"))[0]);
    }
}
