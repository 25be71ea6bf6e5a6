package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.llama3j.error.GrammarException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every sentence the converted grammar lets a (random) model write parses as JSON and validates
 * against its schema, checked by an independent validator with format assertions on.
 */
class JsonSchemaToGbnfTest {
    private static final int SEEDS = 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    @Test
    void randomOutputsValidateForEverySchema() throws Exception {
        assertTrue(JsonSchemaSamples.SCHEMAS.size() >= 50);
        RandomWalk walk = new RandomWalk();
        for (String schemaText : JsonSchemaSamples.SCHEMAS) {
            String gbnf = JsonSchemaToGbnf.convert(schemaText);
            Grammar grammar;
            try {
                grammar = Grammar.parse(gbnf);
            } catch (GrammarException e) {
                throw new AssertionError("bad grammar for " + schemaText + ": " + e.getMessage() + "\n" + gbnf, e);
            }
            Schema schema = VALIDATORS.getSchema(schemaText);
            for (int seed = 0; seed < SEEDS; seed++) {
                String out = walk.generate(grammar, seed, 4000);
                JsonNode node;
                try {
                    node = JSON.readTree(out);
                } catch (Exception e) {
                    throw new AssertionError("seed " + seed + " of " + schemaText + " wrote text that is not JSON: "
                            + out + "\n" + e.getMessage() + "\n" + gbnf);
                }
                List<Error> errors = schema.validate(node);
                if (!errors.isEmpty()) {
                    fail("seed " + seed + " of " + schemaText + " wrote " + out + ", invalid: " + errors + "\n" + gbnf);
                }
            }
        }
    }

    @Test
    void anyJsonObject() throws Exception {
        Grammar grammar = Grammar.parse(JsonSchemaToGbnf.anyJsonObject());
        RandomWalk walk = new RandomWalk();
        for (int seed = 0; seed < SEEDS; seed++) {
            String out = walk.generate(grammar, seed, 4000);
            assertTrue(JSON.readTree(out).isObject(), out);
        }
    }

    @Test
    void integerRangesAreExact() {
        int[][] ranges = {{-5, 5}, {17, 1234}, {0, 0}, {-987, -45}, {9, 10}, {99, 101}, {-1, 1000}};
        for (int[] r : ranges) {
            Grammar g = JsonSchemaToGbnf.grammar("{\"type\": \"integer\", \"minimum\": " + r[0] + ", \"maximum\": "
                    + r[1] + "}");
            for (int v = r[0] - 50; v <= r[1] + 50; v++) {
                assertEquals(v >= r[0] && v <= r[1], GbnfParserTest.matches(g, Integer.toString(v)),
                        v + " in [" + r[0] + ", " + r[1] + "]");
            }
            assertEquals(false, GbnfParserTest.matches(g, "-0"));
            assertEquals(false, GbnfParserTest.matches(g, "007"));
        }
    }

    @Test
    void unsupportedKeywordsAreNamedWithTheirPath() {
        assertError("{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"number\", \"multipleOf\": 3}}}",
                "'multipleOf' at #/properties/n/multipleOf");
        assertError("{\"not\": {\"type\": \"string\"}}", "'not' at #/not");
        assertError("{\"type\": \"array\", \"uniqueItems\": true}", "'uniqueItems'");
        assertError("{\"type\": \"object\", \"minProperties\": 1}", "'minProperties' at #/minProperties");
        assertError("{\"type\": \"string\", \"format\": \"email\"}", "'format' at #/format is 'email'");
        assertError("{\"type\": \"string\", \"pattern\": \"^(?=a)b$\"}", "lookarounds");
        assertError("{\"type\": \"string\", \"pattern\": \"^(a)\\\\1$\"}", "backreferences");
        assertError("{\"type\": \"string\", \"pattern\": \"a\\\\bc\"}", "word boundaries");
        assertError("{\"type\": \"string\", \"pattern\": \"a^b\"}", "'^' anywhere but");
        assertError("{\"$ref\": \"https://example.com/s.json\"}", "only references inside the schema");
        assertError("{\"$ref\": \"#/$defs/missing\"}", "points at nothing");
        assertError("{\"type\": \"object\", \"properties\": {}, \"required\": [\"a\"]}", "'required' at #/required names 'a'");
        assertError("{\"type\": \"strin\"}", "'type' at #/type is 'strin'");
        assertError("{\"type\": \"string\", \"pattern\": \"^a$\", \"maxLength\": 3}", "'maxLength' at #/maxLength next to 'pattern'");
        assertError("{\"anyOf\": [{\"type\": \"string\"}], \"type\": \"string\"}", "'type' at #/type next to 'anyOf'");
        assertError("{\"type\": \"array\", \"prefixItems\": [{}], \"items\": {}}", "'items' at #/items next to 'prefixItems'");
        assertError("{\"allOf\": [{\"type\": \"string\"}]}", "only object schemas");
        assertError("{\"type\": ", "not valid JSON");
        assertError("{\"type\": \"array\", \"minItems\": -1}", "'minItems' at #/minItems is -1");
    }

    @Test
    void schemasThatAdmitNothingAreErrors() {
        assertError("{\"enum\": []}", "#/enum admits no value: enum is empty");
        assertError("{\"type\": \"integer\", \"enum\": [\"a\"]}", "no enum value has the type integer");
        assertError("{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 2}", "minItems 3 is above maxItems 2");
        assertError("{\"type\": \"string\", \"minLength\": 5, \"maxLength\": 2}", "minLength 5 is above maxLength 2");
        assertError("{\"type\": \"integer\", \"minimum\": 10, \"maximum\": 3}", "no integer lies between the bounds");
        assertError("{\"type\": \"integer\", \"exclusiveMinimum\": 3, \"exclusiveMaximum\": 4}", "no integer");
        assertError("{\"type\": \"number\", \"minimum\": 5, \"maximum\": 1}", "no number can be written");
        assertError("false", "the schema is false");
        assertError("{\"anyOf\": []}", "anyOf is empty");
        assertError("{\"type\": []}", "the list of types is empty");
        assertError("{\"type\": \"object\", \"properties\": {\"a\": false}, \"required\": [\"a\"]}",
                "#/properties/a admits no value");
        assertError("{\"type\": \"array\", \"items\": false, \"minItems\": 1}", "'items' is false but minItems is 1");
    }

    private static void assertError(String schema, String text) {
        GrammarException e = assertThrows(GrammarException.class, () -> JsonSchemaToGbnf.grammar(schema), schema);
        assertTrue(e.getMessage().contains(text), e.getMessage());
        assertEquals("json_schema", e.param());
    }
}
