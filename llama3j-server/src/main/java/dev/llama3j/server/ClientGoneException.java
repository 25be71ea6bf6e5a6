package dev.llama3j.server;

/** A write to the client failed: it closed the connection, so its generation can be cancelled. */
final class ClientGoneException extends RuntimeException {
    ClientGoneException(Throwable cause) {
        super("the client closed the connection", cause, false, false);
    }
}
