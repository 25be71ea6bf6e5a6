package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * {@code response_format}, {@code json_schema} and {@code grammar} over HTTP: the answer follows them
 * (whole and streamed, sampled), and a constraint that cannot be used is a 400 naming the field.
 */
class StructuredOutputTest {
    @AutoClose
    static final TestServer s = TestServer.start();
    static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"maxLength\": 20},"
            + " \"population\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 100000000}}, \"required\":"
            + " [\"city\", \"population\"], \"additionalProperties\": false}";

    private static JsonNode json(String text) {
        try {
            return JsonSupport.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static void assertCity(String content) {
        JsonNode o = json(content);
        assertTrue(o.isObject() && o.size() == 2, content);
        assertTrue(o.get("city").isTextual() && o.get("city").asText().length() <= 20, content);
        assertTrue(o.get("population").canConvertToLong() && o.get("population").asLong() >= 0, content);
    }

    @Test
    void chatResponseFormatJsonSchema() {
        for (int seed = 0; seed < 5; seed++) {
            ObjectNode b = TestServer.chat("What is the capital of France?").put("temperature", 1).put("seed", seed)
                    .put("max_tokens", 200);
            b.putObject("response_format").put("type", "json_schema").putObject("json_schema").put("name", "city")
                    .put("strict", true).set("schema", json(SCHEMA));
            JsonNode r = s.post("/v1/chat/completions", b).json();
            JsonNode c = r.get("choices").get(0);
            assertEquals("stop", c.get("finish_reason").asText(), r.toString());
            assertCity(c.get("message").get("content").asText());
        }
    }

    @Test
    void chatJsonObjectStreamed() {
        ObjectNode b = TestServer.chat("Hello!").put("stream", true).put("max_tokens", 300);
        b.putObject("response_format").put("type", "json_object");
        StringBuilder content = new StringBuilder();
        for (JsonNode e : s.post("/v1/chat/completions", b).events()) {
            JsonNode d = e.get("choices").get(0).get("delta");
            if (d != null && d.has("content")) {
                content.append(d.get("content").asText());
            }
        }
        assertTrue(json(content.toString()).isObject(), content.toString());
    }

    @Test
    void completionsGrammarAndJsonSchema() {
        ObjectNode g = TestServer.json().put("prompt", "Shopping list:\n").put("max_tokens", 100).put("temperature", 1)
                .put("seed", 3).put("grammar", "root ::= (\"- \" [a-z]{1,10} \"\\n\"){1,4}\n");
        String text = s.post("/v1/completions", g).json().get("choices").get(0).get("text").asText();
        assertTrue(Pattern.compile("(- [a-z]{1,10}\\n){1,4}").matcher(text).matches(), text);

        ObjectNode j = TestServer.json().put("prompt", "The capital of France").put("max_tokens", 200).put("seed", 1);
        j.set("json_schema", json(SCHEMA));
        assertCity(s.post("/v1/completions", j).json().get("choices").get(0).get("text").asText());
    }

    @Test
    void unusableConstraintsAre400WithTheReason() {
        JsonNode e = BadInputTest.error(s.post("/v1/completions", TestServer.json().put("prompt", "x")
                .put("grammar", "root ::= \"a\" |\nfoo ::= bar\n")), 400, "grammar");
        assertTrue(e.get("message").asText().contains("line"), e.toString());

        ObjectNode multipleOf = TestServer.chat("hi");
        multipleOf.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .set("schema", json("{\"type\": \"number\", \"multipleOf\": 3}"));
        e = BadInputTest.error(s.post("/v1/chat/completions", multipleOf), 400, "response_format.json_schema.schema");
        assertTrue(e.get("message").asText().contains("multipleOf"), e.toString());

        ObjectNode nothing = TestServer.json().put("prompt", "x");
        nothing.set("json_schema", json("{\"enum\": []}"));
        e = BadInputTest.error(s.post("/v1/completions", nothing), 400, "json_schema");
        assertTrue(e.get("message").asText().contains("admits no value"), e.toString());

        BadInputTest.error(s.post("/v1/chat/completions", TestServer.chat("hi").put("response_format", "json")), 400,
                "response_format");
        ObjectNode noSchemaObject = TestServer.chat("hi");
        noSchemaObject.putObject("response_format").put("type", "json_schema");
        BadInputTest.error(s.post("/v1/chat/completions", noSchemaObject), 400, "response_format.json_schema");

        ObjectNode type = TestServer.chat("hi");
        type.putObject("response_format").put("type", "yaml");
        BadInputTest.error(s.post("/v1/chat/completions", type), 400, "response_format.type");

        ObjectNode two = TestServer.chat("hi").put("grammar", "root ::= \"a\"\n");
        two.putObject("response_format").put("type", "json_object");
        BadInputTest.error(s.post("/v1/chat/completions", two), 400, "response_format");

        ObjectNode onCompletions = TestServer.json().put("prompt", "x");
        onCompletions.putObject("response_format").put("type", "json_object");
        // Text completions have no response_format in OpenAI's API; it is not silently ignored.
        BadInputTest.error(s.post("/v1/completions", onCompletions), 400, "response_format");
    }

    @Test
    void aForcedCallWhoseSchemaCannotConstrainItIs400() {
        ObjectNode b = TestServer.chat("Order a mug");
        ObjectNode f = b.putArray("tools").addObject().put("type", "function").putObject("function");
        f.put("name", "order");
        f.set("parameters", json("{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"number\","
                + " \"multipleOf\": 2}}}"));
        b.put("tool_choice", "required");
        JsonNode e = BadInputTest.error(s.post("/v1/chat/completions", b), 400, "tools");
        assertTrue(e.get("message").asText().contains("multipleOf"), e.toString());

        f.set("parameters", json("{\"type\": \"object\"}"));
        b.putObject("response_format").put("type", "json_object");
        BadInputTest.error(s.post("/v1/chat/completions", b), 400, "response_format");
    }
}
