package dev.llama3j.error;

/**
 * Base of every error llama3j reports to a user. The message names what is wrong (a file, a key, a
 * field, a value) and, where it can, what was expected, so that the user can act on it without a
 * stack trace. The CLI maps these to exit code 2 and the server to HTTP 4xx.
 */
public class Llama3jException extends RuntimeException {
    public Llama3jException(String message) {
        super(message);
    }

    public Llama3jException(String message, Throwable cause) {
        super(message, cause);
    }
}
