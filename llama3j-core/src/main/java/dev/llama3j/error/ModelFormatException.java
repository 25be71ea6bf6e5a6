package dev.llama3j.error;

/** A model or adapter file is malformed: truncated, bad magic, inconsistent header, wrong shape. */
public class ModelFormatException extends Llama3jException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
