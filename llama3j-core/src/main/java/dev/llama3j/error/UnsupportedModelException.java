package dev.llama3j.error;

/** A well-formed file that llama3j cannot run: another architecture, an unknown dtype or quant type. */
public class UnsupportedModelException extends Llama3jException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
