package dev.llama3j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;

/** The one Jackson mapper of the server: request bodies parsed with OpenAI-style errors, JSON answers sent. */
final class JsonSupport {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    static {
        // Deeply nested bodies are an attack, not a chat: bound them well below Jackson's default.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    private JsonSupport() {}

    /** Parses a request body that must be one JSON object. */
    static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            throw OpenAiError.invalid("The request body is empty; send a JSON object", null);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw OpenAiError.invalid("The request body is not valid JSON: " + e.getOriginalMessage()
                    + describeLocation(e), null);
        } catch (IOException e) {
            throw OpenAiError.invalid("The request body could not be read", null);
        }
        if (node == null || !node.isObject()) {
            throw OpenAiError.invalid("The request body must be a JSON object", null);
        }
        return (ObjectNode) node;
    }

    private static String describeLocation(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String string(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers {@code body} as JSON with {@code status}. */
    static void send(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(bytes(body));
    }
}
