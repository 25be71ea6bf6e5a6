package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A non-streamed JSON answer that can notice a client that went away while it waits.
 *
 * <p>Helidon tells a handler that the connection closed only when a write fails, and a request that
 * is not streamed writes nothing until its answer is ready. So, like the SSE comments of a stream,
 * each silent keep-alive interval writes one space: JSON allows whitespace before a value, so clients
 * parse the answer as usual, and a failed write cancels the generation and frees its sequence at
 * once instead of after the last token. Quick answers (done within one interval) are sent as before,
 * with their status; after the first space the status is 200, and a later error is sent as the
 * OpenAI error object in that 200 body.
 */
final class WholeAnswer {
    private static final byte[] SPACE = {' '};

    private final ServerResponse response;
    private OutputStream out;

    WholeAnswer(ServerResponse response) {
        this.response = response;
    }

    /** Whether the status line and the first space have gone out. */
    boolean started() {
        return out != null;
    }

    /** One space, flushed; throws {@link ClientGoneException} when the client is gone. */
    void keepAlive() {
        if (out == null) {
            response.status(Status.OK_200);
            response.header(HeaderValues.CONTENT_TYPE_JSON);
            out = response.outputStream();
        }
        ClientGoneException.writeTo(out, SPACE);
    }

    /** Sends the answer: with {@code status} when nothing went out yet, else after the spaces. */
    void send(int status, JsonNode body) {
        if (out == null) {
            JsonSupport.send(response, status, body);
            return;
        }
        try (OutputStream o = out) {
            o.write(JsonSupport.bytes(body));
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
    }
}
