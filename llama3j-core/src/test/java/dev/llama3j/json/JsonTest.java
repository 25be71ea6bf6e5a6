package dev.llama3j.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsPythonStyle() {
        Object v = Json.parse("{\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": {\"c\": null, \"d\": true}}");
        assertEquals("{\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": {\"c\": null, \"d\": true}}", Json.write(v));
        assertEquals("{\"a\": [1, 2.5, \"xé\"], \"b\": {\"c\": null, \"d\": true}}", Json.write(v, -1, false));
        assertEquals("{\n  \"a\": [\n    1,\n    2.5,\n    \"xé\"\n  ],\n  \"b\": {\n    \"c\": null,\n    \"d\": true\n  }\n}",
                Json.write(v, 2, false));
        assertEquals("{\"a\":[1,2.5,\"xé\"],\"b\":{\"c\":null,\"d\":true}}", Json.writeCompact(v));
    }

    @Test
    void floatsLikePythonRepr() {
        assertEquals("1e-05", JsonWriter.pythonFloat(1e-5));
        assertEquals("0.0001", JsonWriter.pythonFloat(1e-4));
        assertEquals("500000.0", JsonWriter.pythonFloat(500000.0));
        assertEquals("1e+16", JsonWriter.pythonFloat(1e16));
        assertEquals("1234567890123456.0", JsonWriter.pythonFloat(1234567890123456.0));
        assertEquals("0.1", JsonWriter.pythonFloat(0.1));
        assertEquals("-2.5e-07", JsonWriter.pythonFloat(-2.5e-7));
    }

    @Test
    void errorsNamePosition() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\n  \"a\": [1, }"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(JsonException.class, () -> Json.parse("[1] x"));
        assertThrows(JsonException.class, () -> Json.parse("\"abc"));
    }

    @Test
    void typedAccessorsNameTheKey() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"n\": \"x\"}"), "config.json");
        JsonException e = assertThrows(JsonException.class, () -> Json.asInt(m.get("n"), "config.json: hidden_size"));
        assertTrue(e.getMessage().startsWith("config.json: hidden_size"), e.getMessage());
        assertEquals(List.of(), Json.parse("[]"));
    }
}
