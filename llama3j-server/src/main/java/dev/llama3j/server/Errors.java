package dev.llama3j.server;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.engine.EngineOverloadedException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** Maps whatever a handler throws to the error the client sees; bugs are logged, never shown. */
final class Errors {
    private static final Logger LOG = System.getLogger("dev.llama3j.server");

    private Errors() {}

    static OpenAiError toOpenAi(Throwable t) {
        if (t instanceof OpenAiError e) {
            return e;
        }
        if (t instanceof EngineOverloadedException e) {
            return OpenAiError.overloaded(e.getMessage());
        }
        if (t instanceof InvalidRequestException e) {
            return new OpenAiError(400, "invalid_request_error", e.getMessage(), e.param(), e.code().wireName());
        }
        if (t instanceof Llama3jException e) {
            return OpenAiError.invalid(e.getMessage(), null);
        }
        LOG.log(Level.ERROR, "internal error while serving a request", t);
        return OpenAiError.internal();
    }
}
