package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint's happy path over the chat fixture model. */
class EndpointsTest {
    static TestServer s;

    static final String FRANCE = "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> probes() {
        return (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model")).get("probes");
    }

    @Test
    void health() {
        var r = s.get("/health");
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").asText());
    }

    @Test
    void models() {
        var r = s.get("/v1/models");
        assertEquals(200, r.status());
        JsonNode m = r.json();
        assertEquals("list", m.get("object").asText());
        assertEquals(TestServer.MODEL, m.get("data").get(0).get("id").asText());
        assertEquals("model", m.get("data").get(0).get("object").asText());
        assertEquals(1024, m.get("data").get(0).get("max_model_len").asInt());
        assertEquals(200, s.get("/v1/models/" + TestServer.MODEL).status());
        var missing = s.get("/v1/models/gpt-4o");
        assertEquals(404, missing.status());
        assertEquals("model_not_found", missing.json().get("error").get("code").asText());
    }

    @Test
    void tokenizeAndDetokenize() {
        ObjectNode b = TestServer.json().put("content", "Hello world<|eot_id|>");
        var r = s.post("/tokenize", b);
        assertEquals(200, r.status());
        int[] ids = ints(r.json().get("tokens"));
        assertArrayEquals(s.llama.tokenizer().encode("Hello world<|eot_id|>", true), ids);

        b.put("add_special", true).put("parse_special", false).put("with_pieces", true);
        JsonNode pieces = s.post("/tokenize", b).json().get("tokens");
        assertEquals(128000, pieces.get(0).get("id").asInt());
        assertEquals("Hello", pieces.get(1).get("piece").asText());
        assertTrue(pieces.size() > ids.length + 1, "special text not parsed is several tokens");

        // A token that is part of a UTF-8 character comes back as bytes.
        JsonNode emoji = s.post("/tokenize", TestServer.json().put("content", "🦙").put("with_pieces", true)).json();
        boolean anyBytes = false;
        for (JsonNode t : emoji.get("tokens")) {
            anyBytes |= t.get("piece").isArray();
        }
        assertTrue(anyBytes || emoji.get("tokens").size() == 1);

        ObjectNode d = TestServer.json();
        var arr = d.putArray("tokens");
        for (int id : ids) {
            arr.add(id);
        }
        var back = s.post("/detokenize", d);
        assertEquals(200, back.status());
        assertEquals("Hello world<|eot_id|>", back.json().get("content").asText());
    }

    @Test
    void completionGreedyEqualsLlamaGenerate() {
        int[] ids = s.llama.tokenizer().prependBos(s.llama.tokenizer().encode(FRANCE, true));
        GenerationResult direct = s.llama.generate(ids, SamplingParams.greedy(), 20);
        ObjectNode b = TestServer.json().put("model", TestServer.MODEL).put("prompt", FRANCE).put("max_tokens", 20)
                .put("temperature", 0);
        var r = s.post("/v1/completions", b);
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("text_completion", j.get("object").asText());
        assertTrue(j.get("id").asText().startsWith("cmpl-"));
        assertEquals(direct.text(), j.get("choices").get(0).get("text").asText());
        assertEquals("The capital of France is Paris.", direct.text());
        assertEquals("stop", j.get("choices").get(0).get("finish_reason").asText());
        assertEquals(ids.length, j.get("usage").get("prompt_tokens").asInt());
        assertEquals(direct.tokens().length, j.get("usage").get("completion_tokens").asInt());
        assertEquals(ids.length + direct.tokens().length, j.get("usage").get("total_tokens").asInt());

        // The same prompt as token ids.
        ObjectNode byIds = TestServer.json().put("prompt", 0).put("max_tokens", 20).put("temperature", 0);
        var arr = byIds.putArray("prompt");
        for (int id : ids) {
            arr.add(id);
        }
        assertEquals(direct.text(), s.post("/v1/completions", byIds).json().get("choices").get(0).get("text").asText());

        // vLLM's return_token_ids: each choice carries its prompt's ids and its generated ids.
        JsonNode c = s.post("/v1/completions", b.put("return_token_ids", true)).json().get("choices").get(0);
        assertEquals(java.util.Arrays.toString(ids), c.get("prompt_token_ids").toString().replace(",", ", "));
        assertEquals(java.util.Arrays.toString(direct.tokens()), c.get("token_ids").toString().replace(",", ", "));
    }

    @Test
    void completionLimitsStopsAndLogprobs() {
        ObjectNode b = TestServer.json().put("prompt", FRANCE).put("max_tokens", 3).put("temperature", 0);
        JsonNode j = s.post("/v1/completions", b).json();
        assertEquals("length", j.get("choices").get(0).get("finish_reason").asText());
        assertEquals(3, j.get("usage").get("completion_tokens").asInt());
        assertEquals("The capital of", j.get("choices").get(0).get("text").asText());

        b.put("max_tokens", 20).put("stop", " of");
        j = s.post("/v1/completions", b).json();
        assertEquals("The capital", j.get("choices").get(0).get("text").asText());
        assertEquals("stop", j.get("choices").get(0).get("finish_reason").asText());

        b.remove("stop");
        b.put("max_tokens", 4).put("logprobs", 2);
        var lpr = s.post("/v1/completions", b);
        assertEquals(200, lpr.status(), lpr.body());
        JsonNode lp = lpr.json().get("choices").get(0).get("logprobs");
        assertEquals(4, lp.get("tokens").size());
        assertEquals("The", lp.get("tokens").get(0).asText());
        assertTrue(lp.get("token_logprobs").get(0).asDouble() <= 0);
        assertEquals(2, lp.get("top_logprobs").get(0).size());
        assertEquals(0, lp.get("text_offset").get(0).asInt());
        assertEquals(3, lp.get("text_offset").get(1).asInt());
    }

    @Test
    void completionChoicesAndSeeds() {
        ObjectNode b = TestServer.json().put("prompt", "Once upon a time").put("max_tokens", 8).put("n", 3)
                .put("temperature", 1.0).put("seed", 7);
        JsonNode a = s.post("/v1/completions", b).json();
        JsonNode again = s.post("/v1/completions", b).json();
        assertEquals(3, a.get("choices").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, a.get("choices").get(i).get("index").asInt());
            assertEquals(a.get("choices").get(i).get("text"), again.get("choices").get(i).get("text"), "seeded");
        }
        int tokens = a.get("usage").get("completion_tokens").asInt();
        assertTrue(tokens >= 3 && tokens <= 24, "3 choices of 1 to 8 tokens: " + tokens);
        // Two prompts, n=2: four choices, prompt-major.
        ObjectNode two = TestServer.json().put("max_tokens", 2).put("n", 2).put("temperature", 0);
        two.putArray("prompt").add(FRANCE).add("Hello");
        JsonNode t = s.post("/v1/completions", two).json();
        assertEquals(4, t.get("choices").size());
        assertEquals(t.get("choices").get(0).get("text"), t.get("choices").get(1).get("text"));
    }

    @Test
    void completionStream() {
        ObjectNode b = TestServer.json().put("prompt", FRANCE).put("max_tokens", 20).put("temperature", 0)
                .put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        var r = s.post("/v1/completions", b);
        assertEquals(200, r.status());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (JsonNode e : r.events()) {
            if (e.get("choices").isEmpty()) {
                usage = e.get("usage");
                continue;
            }
            JsonNode c = e.get("choices").get(0);
            text.append(c.get("text").asText());
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
            }
        }
        assertEquals("The capital of France is Paris.", text.toString());
        assertEquals("stop", finish);
        assertEquals(8, usage.get("completion_tokens").asInt());
    }

    @Test
    void chatGreedyMatchesGoldens() {
        int checked = 0;
        for (Map<String, Object> p : probes()) {
            if (p.get("tools") != null || !((Map<?, ?>) p.get("kwargs")).isEmpty()) {
                continue;
            }
            ObjectNode b = ChatRequestReaderTest.body(p).put("model", TestServer.MODEL).put("temperature", 0);
            var r = s.post("/v1/chat/completions", b);
            assertEquals(200, r.status(), r.body());
            JsonNode j = r.json();
            assertEquals("chat.completion", j.get("object").asText());
            assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
            assertEquals(TestServer.MODEL, j.get("model").asText());
            JsonNode c = j.get("choices").get(0);
            String golden = ((String) p.get("greedy_text")).replace("<|eot_id|>", "");
            assertEquals(golden, c.get("message").get("content").asText());
            assertEquals("assistant", c.get("message").get("role").asText());
            assertEquals("stop", c.get("finish_reason").asText());
            assertEquals(Fixtures.ints(p.get("prompt_ids")).length, j.get("usage").get("prompt_tokens").asInt());
            assertEquals(Fixtures.ints(p.get("greedy")).length, j.get("usage").get("completion_tokens").asInt());
            checked++;
        }
        assertEquals(5, checked);
    }

    @Test
    void chatStream() {
        ObjectNode b = TestServer.chat("What is the capital of Japan?").put("stream", true);
        b.putObject("stream_options").put("include_usage", true);
        var r = s.post("/v1/chat/completions", b);
        assertEquals(200, r.status());
        List<JsonNode> events = r.events();
        JsonNode first = events.get(0).get("choices").get(0);
        assertEquals("assistant", first.get("delta").get("role").asText());
        StringBuilder text = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        JsonNode usage = null;
        for (JsonNode e : events) {
            assertEquals("chat.completion.chunk", e.get("object").asText());
            assertEquals(events.get(0).get("id"), e.get("id"));
            if (e.get("choices").isEmpty()) {
                usage = e.get("usage");
                continue;
            }
            JsonNode c = e.get("choices").get(0);
            if (c.get("delta").has("content")) {
                text.append(c.get("delta").get("content").asText());
            }
            if (!c.get("finish_reason").isNull()) {
                finishes.add(c.get("finish_reason").asText());
            }
        }
        assertEquals("The capital of Japan is Tokyo.", text.toString());
        assertEquals(List.of("stop"), finishes);
        assertTrue(usage.get("prompt_tokens").asInt() > 0);
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
    }

    @Test
    void chatLogprobs() {
        Map<String, Object> france = probes().get(0);
        ObjectNode b = ChatRequestReaderTest.body(france).put("temperature", 0).put("logprobs", true)
                .put("top_logprobs", 3).put("max_tokens", 2);
        var r = s.post("/v1/chat/completions", b);
        assertEquals(200, r.status(), r.body());
        JsonNode c = r.json().get("choices").get(0);
        JsonNode content = c.get("logprobs").get("content");
        assertEquals(2, content.size());
        assertEquals("The", content.get(0).get("token").asText());
        assertEquals(3, content.get(0).get("top_logprobs").size());
        assertEquals("The", content.get(0).get("top_logprobs").get(0).get("token").asText());
        int[] goldenTop = Fixtures.ints(((Map<?, ?>) france.get("top10_first")).get("ids"));
        String second = s.llama.tokenizer().decode(new int[] {goldenTop[1]});
        assertEquals(second, content.get(0).get("top_logprobs").get(1).get("token").asText());
        assertEquals(List.of(84, 104, 101), ints(content.get(0).get("bytes")).length == 3
                ? List.of(84, 104, 101) : List.of());
    }

    @Test
    void chatChoices() {
        ObjectNode b = TestServer.chat("What is the capital of France?").put("n", 2).put("max_tokens", 4);
        JsonNode j = s.post("/v1/chat/completions", b).json();
        assertEquals(2, j.get("choices").size());
        assertEquals(j.get("choices").get(0).get("message"), j.get("choices").get(1).get("message"));
        assertEquals(1, j.get("choices").get(1).get("index").asInt());
    }

    @Test
    void customToolCall() {
        Map<String, Object> tokyo = probes().stream()
                .filter(p -> String.valueOf(p.get("messages")).contains("Tokyo") && p.get("tools") != null)
                .findFirst().orElseThrow();
        ObjectNode b = ChatRequestReaderTest.body(tokyo).put("temperature", 0);
        JsonNode c = s.post("/v1/chat/completions", b).json().get("choices").get(0);
        assertEquals("tool_calls", c.get("finish_reason").asText());
        assertTrue(c.get("message").get("content").isNull());
        JsonNode call = c.get("message").get("tool_calls").get(0);
        assertEquals("function", call.get("type").asText());
        assertTrue(call.get("id").asText().startsWith("call_"));
        assertEquals("get_current_conditions", call.get("function").get("name").asText());
        assertEquals(TestServer.json().put("location", "Tokyo").put("unit", "Celsius"),
                parse(call.get("function").get("arguments").asText()));

        // Streamed: one tool-call delta with index, id, name and arguments.
        b.put("stream", true);
        List<JsonNode> events = s.post("/v1/chat/completions", b).events();
        JsonNode delta = null;
        String finish = null;
        for (JsonNode e : events) {
            JsonNode ch = e.get("choices").get(0);
            if (ch.get("delta").has("tool_calls")) {
                delta = ch.get("delta").get("tool_calls").get(0);
            }
            if (ch.get("delta").has("content")) {
                assertEquals("", ch.get("delta").get("content").asText(), "no content besides the call");
            }
            if (!ch.get("finish_reason").isNull()) {
                finish = ch.get("finish_reason").asText();
            }
        }
        assertEquals(0, delta.get("index").asInt());
        assertEquals("get_current_conditions", delta.get("function").get("name").asText());
        assertEquals("Tokyo", parse(delta.get("function").get("arguments").asText()).get("location").asText());
        assertEquals("tool_calls", finish);

        // tool_choice none: the tools are not rendered and nothing is parsed.
        b.put("stream", false).put("tool_choice", "none");
        JsonNode none = s.post("/v1/chat/completions", b).json().get("choices").get(0);
        assertFalse(none.get("message").has("tool_calls"));
        assertNotEquals("tool_calls", none.get("finish_reason").asText());
    }

    @Test
    void forcedToolChoice() {
        Map<String, Object> tokyo = probes().stream()
                .filter(p -> String.valueOf(p.get("messages")).contains("Tokyo") && p.get("tools") != null)
                .findFirst().orElseThrow();
        for (String choice : List.of("required", "named")) {
            ObjectNode b = ChatRequestReaderTest.body(tokyo).put("temperature", 0).put("stream", true).put("n", 2);
            if (choice.equals("required")) {
                b.put("tool_choice", "required");
            } else {
                b.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", "get_current_conditions");
            }
            String[] args = new String[2];
            var resp = s.post("/v1/chat/completions", b);
            for (JsonNode e : resp.events()) {
                JsonNode ch = e.get("choices").get(0);
                if (ch.get("delta").has("tool_calls")) {
                    JsonNode f = ch.get("delta").get("tool_calls").get(0).get("function");
                    assertEquals("get_current_conditions", f.get("name").asText(), choice);
                    args[ch.get("index").asInt()] = f.get("arguments").asText();
                }
            }
            for (String a : args) {
                assertEquals("Tokyo", parse(a).get("location").asText(), choice);
            }
        }
    }

    @Test
    void builtinToolCall() {
        Map<String, Object> menlo = probes().stream()
                .filter(p -> String.valueOf(p.get("messages")).contains("Menlo Park")).findFirst().orElseThrow();
        ObjectNode b = ChatRequestReaderTest.body(menlo).put("temperature", 0);
        JsonNode c = s.post("/v1/chat/completions", b).json().get("choices").get(0);
        assertEquals("tool_calls", c.get("finish_reason").asText());
        JsonNode call = c.get("message").get("tool_calls").get(0);
        assertEquals("brave_search", call.get("function").get("name").asText());
        assertEquals("current weather in Menlo Park, CA",
                parse(call.get("function").get("arguments").asText()).get("query").asText());

        // The same tools as OpenAI function tools named like the built-ins.
        ObjectNode asTools = ChatRequestReaderTest.body(menlo).put("temperature", 0);
        ((ObjectNode) asTools.get("chat_template_kwargs")).remove("builtin_tools");
        var tools = asTools.putArray("tools");
        for (String name : List.of("brave_search", "wolfram_alpha")) {
            tools.addObject().put("type", "function").putObject("function").put("name", name);
        }
        JsonNode c2 = s.post("/v1/chat/completions", asTools).json().get("choices").get(0);
        assertEquals(call.get("function").get("arguments"),
                c2.get("message").get("tool_calls").get(0).get("function").get("arguments"));
    }

    @Test
    void toolResultRoundTrip() {
        // The Paris probe: a brave_search call and its ipython result, then the answer.
        Map<String, Object> paris = probes().get(probes().size() - 1);
        ObjectNode b = ChatRequestReaderTest.body(paris).put("temperature", 0);
        JsonNode c = s.post("/v1/chat/completions", b).json().get("choices").get(0);
        assertEquals(((String) paris.get("greedy_text")).replace("<|eot_id|>", ""),
                c.get("message").get("content").asText());
    }

    @Test
    void metrics() {
        s.post("/v1/completions", TestServer.json().put("prompt", "Hi").put("max_tokens", 3));
        var r = s.get("/metrics");
        assertEquals(200, r.status());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        String m = r.body();
        for (String name : List.of("llama3j_requests_total ", "llama3j_prompt_tokens_total ",
                "llama3j_generation_tokens_total ", "llama3j_requests_waiting ", "llama3j_requests_running ",
                "llama3j_kv_cache_usage_ratio ", "llama3j_time_to_first_token_seconds_bucket{le=\"+Inf\"} ",
                "llama3j_inter_token_latency_seconds_count ", "llama3j_http_requests_total{route=\"/v1/completions\",status=\"200\"} ")) {
            assertTrue(m.contains(name), name + " missing in\n" + m);
        }
        for (String line : m.split("\n")) {
            assertTrue(line.startsWith("#") || line.matches("[a-z0-9_]+(\\{.*\\})? [0-9.eE+-]+"), line);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JsonSupport.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    @Test
    void textCompletionsReturnEachChoicesPromptAndTokenIds() {
        ObjectNode b = TestServer.json().put("prompt", "The capital of France is").put("max_tokens", 4)
                .put("temperature", 0).put("n", 2).put("return_token_ids", true);
        JsonNode j = s.post("/v1/completions", b).json();
        int[] prompt = s.llama.tokenizer().prependBos(s.llama.tokenizer().encode("The capital of France is", true));
        int completion = 0;
        for (JsonNode c : j.get("choices")) {
            JsonNode ids = c.get("prompt_token_ids");
            assertEquals(prompt.length, ids.size(), c.toString());
            for (int i = 0; i < prompt.length; i++) {
                assertEquals(prompt[i], ids.get(i).asInt());
            }
            completion += c.get("token_ids").size();
        }
        assertEquals(completion, j.get("usage").get("completion_tokens").asInt());
        assertEquals(null, j.get("prompt_token_ids"), "text completions carry the prompt in each choice");
    }
}
