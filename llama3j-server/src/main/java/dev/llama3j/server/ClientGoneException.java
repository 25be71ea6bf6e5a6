package dev.llama3j.server;

import java.io.IOException;
import java.io.OutputStream;

/** A write to the client failed: it closed the connection, so its generation can be cancelled. */
final class ClientGoneException extends RuntimeException {
    ClientGoneException(Throwable cause) {
        super("the client closed the connection", cause, false, false);
    }

    /** Writes and flushes {@code bytes}; a failure means the client went away. */
    static void writeTo(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException | RuntimeException e) {
            // Helidon reports a closed socket as one of several unchecked exceptions.
            throw new ClientGoneException(e);
        }
    }
}
