package dev.llama3j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** The client's error code comes from the exception's typed code, never from its message text. */
class ErrorsTest {
    @Test
    void codeIsTheExceptionsCode() {
        OpenAiError e = Errors.toOpenAi(InvalidRequestException.contextLengthExceeded(2000, 1024, "messages"));
        assertEquals(400, e.status());
        assertEquals("context_length_exceeded", e.code());
        assertEquals("messages", e.param());
        // A message that mentions the context is not, by itself, a context-length error.
        OpenAiError other = Errors.toOpenAi(new InvalidRequestException("position 5000 is outside the context",
                "prompt"));
        assertEquals("invalid_value", other.code());
    }
}
