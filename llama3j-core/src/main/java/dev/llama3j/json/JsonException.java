package dev.llama3j.json;

import dev.llama3j.error.Llama3jException;

/** Malformed JSON, or JSON of the wrong shape; the message says where. */
public class JsonException extends Llama3jException {
    public JsonException(String message) {
        super(message);
    }
}
