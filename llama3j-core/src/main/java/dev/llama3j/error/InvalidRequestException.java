package dev.llama3j.error;

/**
 * A request that cannot be served as asked: token ids outside the vocabulary, a prompt longer than
 * the context, a sampling parameter out of range. {@link #param()} names the offending field when
 * there is one (the server reports it as OpenAI's {@code error.param}), and {@link #code()} says
 * what kind of problem it is (OpenAI's {@code error.code}), so that no caller has to read the message.
 */
public class InvalidRequestException extends Llama3jException {
    /** What kind of problem, with OpenAI's name for it. */
    public enum Code {
        /** A field's value is wrong (out of range, unknown name, malformed). */
        INVALID_VALUE("invalid_value"),
        /** The prompt does not leave room in the context for one generated token. */
        CONTEXT_LENGTH_EXCEEDED("context_length_exceeded");

        private final String wireName;

        Code(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final String param;
    private final Code code;

    public InvalidRequestException(String message) {
        this(message, null);
    }

    public InvalidRequestException(String message, String param) {
        this(message, param, Code.INVALID_VALUE);
    }

    public InvalidRequestException(String message, String param, Code code) {
        super(message);
        this.param = param;
        this.code = code;
    }

    /**
     * A prompt of {@code promptTokens} that leaves no room to generate in a context of
     * {@code contextSize}; {@code param} names the field that holds the prompt.
     */
    public static InvalidRequestException contextLengthExceeded(int promptTokens, int contextSize, String param) {
        return new InvalidRequestException("the prompt has " + promptTokens + " tokens but the context holds "
                + contextSize + " (prompt plus at least one generated token); shorten it or raise the context size", param,
                Code.CONTEXT_LENGTH_EXCEEDED);
    }

    public String param() {
        return param;
    }

    public Code code() {
        return code;
    }
}
