package dev.llama3j.error;

/**
 * A request that cannot be served as asked: token ids outside the vocabulary, a prompt longer than
 * the context, a sampling parameter out of range. {@link #param()} names the offending field when
 * there is one (the server reports it as OpenAI's {@code error.param}).
 */
public class InvalidRequestException extends Llama3jException {
    private final String param;

    public InvalidRequestException(String message) {
        this(message, null);
    }

    public InvalidRequestException(String message, String param) {
        super(message);
        this.param = param;
    }

    public String param() {
        return param;
    }
}
