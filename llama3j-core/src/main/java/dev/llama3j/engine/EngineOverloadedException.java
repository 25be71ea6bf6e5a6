package dev.llama3j.engine;

import dev.llama3j.error.Llama3jException;

/** The engine's queue is full; try again later (HTTP 429). */
public class EngineOverloadedException extends Llama3jException {
    public EngineOverloadedException(String message) {
        super(message);
    }
}
