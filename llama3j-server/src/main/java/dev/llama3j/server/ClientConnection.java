package dev.llama3j.server;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.http.Headers;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Whether the client of the request being handled is still connected, for answers that write
 * nothing until they are done (a non-streaming completion): a client that hangs up must free its
 * sequence as a streaming one does, like llama.cpp's server, which checks
 * {@code is_connection_closed} while it waits.
 *
 * <p>Helidon reads a request's headers and runs its handler on the connection's one thread, so the
 * connection that {@link #headers} sees on a thread is the one its handler answers. {@link #watch}
 * hands the socket to Helidon's idle monitor ({@link HelidonSocket#idle()}), which reads ahead one
 * byte and marks the socket closed at end of stream; its next read takes that byte back (only the
 * blocking socket has one, hence the server's {@code useNio(false)}; elsewhere nothing is watched). The
 * monitor also gives up (marks it closed) after the listener's read timeout without a byte, so the
 * server sets that timeout to {@link ServerOptions#READ_TIMEOUT}, like llama.cpp's {@code --timeout}.
 */
final class ClientConnection implements Http1ConnectionListener {
    private static final ThreadLocal<ConnectionContext> CURRENT = new ThreadLocal<>();

    /** Something to ask whether the client is still there. */
    interface Watch {
        boolean gone();
    }

    /** For a handler not reached through HTTP/1 (nothing to watch): never gone. */
    private static final Watch NONE = () -> false;

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        CURRENT.set(ctx);
    }

    /** Starts watching the current request's connection (call once its body has been read). */
    static Watch watch() {
        ConnectionContext ctx = CURRENT.get();
        if (ctx == null) {
            return NONE;
        }
        HelidonSocket socket;
        try {
            socket = ctx.serverSocket();
        } catch (UnsupportedOperationException e) {
            return NONE;
        }
        socket.idle();
        return () -> !socket.isConnected();
    }
}
