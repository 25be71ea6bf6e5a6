package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a server-sent event stream ({@code text/event-stream}): one {@code data:} line per JSON
 * chunk, flushed at once so that each token reaches the client as it is made. A failed write means
 * the client went away; it surfaces as {@link ClientGoneException} so the caller can cancel the
 * generation and free its sequence.
 */
final class SseWriter {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerResponse response;
    private OutputStream out;

    SseWriter(ServerResponse response) {
        this.response = response;
    }

    /** Sends the headers; the status is 200 from here on, so later errors go into the stream. */
    void open() {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
        response.header("X-Accel-Buffering", "no");
        out = response.outputStream();
        flush();
    }

    void data(JsonNode chunk) {
        byte[] json = JsonSupport.bytes(chunk);
        byte[] frame = new byte[6 + json.length + 2];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
        System.arraycopy(json, 0, frame, 6, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        write(frame);
    }

    /** An SSE comment: clients ignore it, but writing it finds a closed connection. */
    void keepAlive() {
        write(KEEP_ALIVE);
    }

    void done() {
        write(DONE);
    }

    void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                // The client is gone; nothing more to send.
            }
        }
    }

    private void write(byte[] bytes) {
        ClientGoneException.writeTo(out, bytes);
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new ClientGoneException(e);
        }
    }
}
