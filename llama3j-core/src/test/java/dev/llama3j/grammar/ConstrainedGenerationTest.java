package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The random-weight fixture model, which writes noise when left alone, writes valid output under a
 * grammar: for every sample JSON schema and {@link #SEEDS} seeds (sampled at temperature 1, all seeds of a
 * schema generating together), the text parses and validates with an independent JSON Schema
 * validator; the same for the sample GBNF grammars, checked without the grammar engine.
 *
 * <p>A random model picks among the allowed tokens almost uniformly, and inside an unbounded JSON
 * string about one allowed token in 25,000 closes it: such a string runs to the token limit. So the
 * model generates under a bounded copy of each schema ({@link #bounded}), which admits a subset of what
 * the schema admits, and every output is validated against the original schema: strings get a
 * {@code maxLength}, arrays a {@code maxItems}, objects no extra properties, any value ({@code true},
 * {@code {}}) becomes a short scalar, and a pattern's open repetitions get an upper bound, wherever the
 * schema leaves them open. Every output must be complete: none may run to the token limit.
 */
class ConstrainedGenerationTest {
    /**
     * Seeds per schema and grammar: 20 with {@code -Dllama3j.grammar.seeds=20} (about two minutes on two
     * idle cores); 5 in the default suite.
     */
    static final int SEEDS = Integer.getInteger("llama3j.grammar.seeds", 5);
    static final int MAX_TOKENS = 300;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    static Llama llama;
    static int[] prompt;

    @BeforeAll
    static void load() {
        llama = Llama.load(Fixtures.randomModel(), LlamaOptions.defaults().withThreads(2).withContextSize(1024)
                .withParallel(SEEDS));
        prompt = llama.tokenizer().prependBos(llama.tokenizer().encode("Answer in JSON:", false));
    }

    @AfterAll
    static void close() {
        if (llama != null) {
            llama.close();
        }
    }

    /** The text of each seed's generation under {@code grammar}; each must have ended by the grammar or eot. */
    static List<String> generate(Grammar grammar, String what) {
        List<Generation> gens = new ArrayList<>();
        for (int seed = 0; seed < SEEDS; seed++) {
            GenerationRequest r = GenerationRequest.of(prompt, SamplingParams.defaults().withTemperature(1f)
                    .withTopP(1f).withTopK(0).withSeed((long) seed), MAX_TOKENS).withGrammar(grammar);
            gens.add(llama.engine().submit(r, new GenerationListener() {}));
        }
        List<String> out = new ArrayList<>();
        for (int seed = 0; seed < SEEDS; seed++) {
            GenerationResult r;
            try {
                r = gens.get(seed).await();
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " of " + what + " failed: " + e, e);
            }
            assertEquals(FinishReason.STOP, r.finishReason(), "seed " + seed + " of " + what + " ended by "
                    + r.finishReason() + " after " + r.tokens().length + " tokens: " + r.text());
            out.add(r.text());
        }
        return out;
    }

    @Test
    void everyOutputValidatesAgainstItsSchema() throws Exception {
        assertTrue(JsonSchemaSamples.SCHEMAS.size() >= 50);
        long start = System.nanoTime();
        int tokens = 0;
        for (String schemaText : JsonSchemaSamples.SCHEMAS) {
            Schema schema = VALIDATORS.getSchema(schemaText);
            JsonNode original = JSON.readTree(schemaText);
            Grammar grammar = JsonSchemaToGbnf.grammar(JSON.writeValueAsString(bounded(original)));
            for (String out : generate(grammar, schemaText)) {
                tokens += llama.tokenizer().encode(out, false).length;
                JsonNode node;
                try {
                    node = JSON.readTree(out);
                } catch (Exception e) {
                    throw new AssertionError(schemaText + " gave text that is not JSON: " + out, e);
                }
                List<Error> errors = schema.validate(node);
                if (!errors.isEmpty()) {
                    fail(schemaText + " gave " + out + ", invalid: " + errors);
                }
            }
        }
        int all = JsonSchemaSamples.SCHEMAS.size() * SEEDS;
        System.out.printf("%d schemas x %d seeds: %d valid outputs, about %d tokens in %.1f s%n",
                JsonSchemaSamples.SCHEMAS.size(), SEEDS, all, tokens, (System.nanoTime() - start) / 1e9);
    }

    /** A copy of {@code schema} that admits a subset of it, with every open-ended string, array and object closed. */
    static JsonNode bounded(JsonNode schema) {
        return bounded(schema, false);
    }

    /** @param merged a branch of {@code allOf}, which the converter merges (it takes no extra keywords there) */
    private static JsonNode bounded(JsonNode schema, boolean merged) {
        if (isAnyValue(schema)) {
            return JSON.createObjectNode().set("anyOf", JSON.createArrayNode()
                    .add(JSON.createObjectNode().put("type", "string").put("maxLength", 12))
                    .add(JSON.createObjectNode().put("type", "integer"))
                    .add(JSON.createObjectNode().put("type", "boolean"))
                    .add(JSON.createObjectNode().put("type", "null")));
        }
        if (!schema.isObject()) {
            return schema;
        }
        ObjectNode s = ((ObjectNode) schema).deepCopy();
        s.properties().forEach(e -> {
            switch (e.getKey()) {
                case "properties" -> {
                    ObjectNode m = (ObjectNode) e.getValue();
                    m.properties().forEach(p -> m.set(p.getKey(), bounded(p.getValue())));
                }
                case "$defs", "definitions" -> { // may be merged through a $ref in allOf
                    ObjectNode m = (ObjectNode) e.getValue();
                    m.properties().forEach(p -> m.set(p.getKey(), bounded(p.getValue(), true)));
                }
                case "items", "not" -> e.setValue(bounded(e.getValue()));
                case "pattern" -> e.setValue(JSON.getNodeFactory().textNode(boundedPattern(e.getValue().asText())));
                case "anyOf", "oneOf", "allOf", "prefixItems" -> {
                    ArrayNode a = (ArrayNode) e.getValue();
                    for (int i = 0; i < a.size(); i++) {
                        a.set(i, bounded(a.get(i), e.getKey().equals("allOf")));
                    }
                }
                default -> { }
            }
        });
        boolean fixed = s.has("enum") || s.has("const") || s.has("$ref") || s.has("anyOf") || s.has("oneOf");
        if (!fixed && hasType(s, "string") && !s.has("maxLength") && !s.has("pattern") && !s.has("format")) {
            s.put("maxLength", Math.max(12, s.path("minLength").asInt(0)));
        }
        if (!fixed && hasType(s, "array")) {
            if (!s.has("maxItems")) {
                s.put("maxItems", Math.max(3, s.path("minItems").asInt(0)));
            }
            if (!s.has("items") && !s.has("prefixItems")) {
                s.set("items", JSON.createObjectNode().put("type", "integer"));
            }
        }
        // extra properties have keys of any length: only objects without properties keep them (bounded values)
        boolean hasProperties = s.has("properties") && !s.get("properties").isEmpty();
        if (!fixed && !merged && !s.has("allOf") && (hasType(s, "object") || s.has("properties"))
                && (!s.has("additionalProperties") || hasProperties)) {
            s.put("additionalProperties", false);
        } else if (s.has("additionalProperties")) {
            s.set("additionalProperties", bounded(s.get("additionalProperties")));
        }
        return s;
    }

    /** {@code true}, or a schema of annotations only: any JSON value. */
    private static boolean isAnyValue(JsonNode schema) {
        if (schema.isBoolean()) {
            return schema.asBoolean();
        }
        if (!schema.isObject()) {
            return false;
        }
        Iterator<String> keys = schema.fieldNames();
        while (keys.hasNext()) {
            if (!List.of("title", "description", "default", "examples", "$comment").contains(keys.next())) {
                return false;
            }
        }
        return true;
    }

    /**
     * A pattern that matches a subset of what {@code pattern} matches, with no open repetition:
     * {@code +} and {@code *} become {@code {1,6}} and {@code {0,6}}, and a side without its anchor gets one
     * (a JSON Schema pattern matches anywhere in the string; an anchored match is one of those).
     */
    static String boundedPattern(String pattern) {
        StringBuilder b = new StringBuilder(pattern.startsWith("^") ? "" : "^");
        boolean inClass = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                b.append(c).append(pattern.charAt(++i));
            } else if (inClass) {
                b.append(c);
                inClass = c != ']';
            } else if (c == '[') {
                b.append(c);
                inClass = true;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == ']') {
                    b.append(pattern.charAt(++i)); // a ']' first in a class is literal
                }
            } else if (c == '+') {
                b.append("{1,6}");
            } else if (c == '*') {
                b.append("{0,6}");
            } else if (c == '{' && pattern.indexOf(",}", i) == pattern.indexOf('}', i) - 1) {
                int close = pattern.indexOf('}', i);
                int min = Integer.parseInt(pattern.substring(i + 1, close - 1));
                b.append('{').append(min).append(',').append(min + 6).append('}');
                i = close;
            } else {
                b.append(c);
            }
        }
        boolean anchoredEnd = b.length() > 0 && b.charAt(b.length() - 1) == '$'
                && (b.length() < 2 || b.charAt(b.length() - 2) != '\\');
        return anchoredEnd ? b.toString() : b + "$";
    }

    private static boolean hasType(JsonNode s, String type) {
        JsonNode t = s.get("type");
        if (t == null) {
            return false;
        }
        if (t.isTextual()) {
            return t.asText().equals(type);
        }
        for (JsonNode e : t) {
            if (e.asText().equals(type)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void boundedPatternsCloseEveryRepetition() {
        assertEquals("^ab{1,6}c$", boundedPattern("ab+c"));
        assertEquals("^[^a-z\\s+*]{1,6}$", boundedPattern("^[^a-z\\s+*]+$"));
        assertEquals("^\\w{0,6}\\$x{2,8}\\+$", boundedPattern("\\w*\\$x{2,}\\+"));
        assertEquals("^[]a]{1,6}$", boundedPattern("[]a]+"));
    }

    @Test
    void unconstrainedTheModelWritesNoise() {
        GenerationResult r = llama.engine().generate(GenerationRequest.of(prompt, SamplingParams.defaults()
                .withTemperature(1f).withSeed(1L), 40));
        assertFalse(isJson(r.text()), r.text());
    }

    @Test
    void everyOutputFollowsTheSampleGrammars() {
        check(SampleGrammars.ARITHMETIC, "arithmetic", GbnfRandomOutputTest::isArithmetic);
        check(SampleGrammars.LIST, "list", GbnfRandomOutputTest::isList);
        check(SampleGrammars.SMALL_LANGUAGE, "small language", GbnfRandomOutputTest::isSmallLanguage);
        check(SampleGrammars.JSON, "JSON", ConstrainedGenerationTest::isJson);
    }

    private static void check(String gbnf, String what, Predicate<String> valid) {
        for (String out : generate(Grammar.parse(gbnf), what)) {
            assertTrue(valid.test(out), what + ": " + out);
        }
    }

    static boolean isJson(String text) {
        try {
            JSON.readTree(text);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
