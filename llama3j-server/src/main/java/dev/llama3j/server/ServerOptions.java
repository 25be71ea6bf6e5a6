package dev.llama3j.server;

import java.time.Duration;

/**
 * How the server listens and behaves.
 *
 * @param host address to bind; 127.0.0.1 keeps the server private to this machine
 * @param port TCP port; 0 picks a free one
 * @param apiKey when not null, every request but {@code /health} must send {@code Authorization: Bearer KEY}
 * @param servedModelName the model id clients name (and {@code /v1/models} lists)
 * @param maxBodyBytes largest accepted request body
 * @param shutdownGrace how long a shutdown waits for running generations before cancelling them
 * @param keepAlive how long a stream may stay silent (queued, long prompt) before an SSE comment is
 *     sent, which also finds clients that went away
 * @param maxChoices most completions one request may ask for ({@code n} times the prompts)
 */
public record ServerOptions(String host, int port, String apiKey, String servedModelName, long maxBodyBytes,
        Duration shutdownGrace, Duration keepAlive, int maxChoices) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("the API key must not be empty");
        }
        if (servedModelName == null || servedModelName.isBlank()) {
            throw new IllegalArgumentException("the served model name must not be empty");
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("the body limit must be at least 1024 bytes");
        }
        if (maxChoices < 1) {
            throw new IllegalArgumentException("maxChoices must be at least 1");
        }
    }

    public static ServerOptions defaults(String servedModelName) {
        return new ServerOptions(DEFAULT_HOST, DEFAULT_PORT, null, servedModelName, 8L << 20, Duration.ofSeconds(30),
                Duration.ofSeconds(10), 16);
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, apiKey, servedModelName, maxBodyBytes, shutdownGrace, keepAlive, maxChoices);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, apiKey, servedModelName, maxBodyBytes, shutdownGrace, keepAlive, maxChoices);
    }

    public ServerOptions withApiKey(String k) {
        return new ServerOptions(host, port, k, servedModelName, maxBodyBytes, shutdownGrace, keepAlive, maxChoices);
    }

    public ServerOptions withMaxBodyBytes(long b) {
        return new ServerOptions(host, port, apiKey, servedModelName, b, shutdownGrace, keepAlive, maxChoices);
    }

    public ServerOptions withShutdownGrace(Duration d) {
        return new ServerOptions(host, port, apiKey, servedModelName, maxBodyBytes, d, keepAlive, maxChoices);
    }

    public ServerOptions withKeepAlive(Duration d) {
        return new ServerOptions(host, port, apiKey, servedModelName, maxBodyBytes, shutdownGrace, d, maxChoices);
    }
}
