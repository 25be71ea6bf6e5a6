package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.Llama;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.guard.LlamaGuard;
import dev.llama3j.guard.ModerationMode;
import dev.llama3j.guard.PromptScreen;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Set;

/**
 * The OpenAI-compatible HTTP server: Helidon SE's web server (one virtual thread per request, so a
 * streaming response is plain blocking code) over a loaded {@link Llama} and its continuous-batching
 * engine.
 *
 * <pre>{@code
 * try (Llama llama = Llama.load(path, LlamaOptions.defaults().withParallel(4));
 *      OpenAiServer server = OpenAiServer.start(llama, ServerOptions.defaults("my-model"))) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 *
 * Routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code POST /v1/moderations} (with a guard model),
 * {@code POST /tokenize}, {@code POST /detokenize}, {@code GET /health}, {@code GET /metrics}.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger("dev.llama3j.server");
    private static final Set<String> ROUTES = Set.of("/v1/chat/completions", "/v1/completions", "/v1/models",
            "/v1/moderations", "/tokenize", "/detokenize", "/health", "/metrics");

    private final ServerContext ctx;
    private final WebServer server;
    private final Object stopLock = new Object();
    private boolean stopped;

    private OpenAiServer(ServerContext ctx, WebServer server) {
        this.ctx = ctx;
        this.server = server;
    }

    /**
     * Binds and starts serving; the caller keeps ownership of {@code llama} (close it after the server).
     *
     * @throws Llama3jException when the address cannot be bound
     */
    public static OpenAiServer start(Llama llama, ServerOptions options) {
        return start(llama, options, null, null);
    }

    /**
     * Binds and starts serving, with a Llama Guard model for {@code POST /v1/moderations} and, when
     * {@code moderate} is set, around chat completions: a flagged prompt is refused (HTTP 400, code
     * {@code content_filter}); a flagged answer is withheld and ends with finish reason
     * {@code content_filter} (a streamed answer is held back and checked when it ends).
     *
     * @param guard the guard (it may wrap {@code llama} itself), or null for none
     * @param moderate what to check in chat completions, or null for nothing
     */
    public static OpenAiServer start(Llama llama, ServerOptions options, LlamaGuard guard, ModerationMode moderate) {
        return start(llama, options, guard, moderate, null);
    }

    /**
     * As {@link #start(Llama, ServerOptions, LlamaGuard, ModerationMode)}, and with {@code promptScreen}
     * (Prompt Guard) checking each chat request's messages before generation: a flagged one is refused
     * like a prompt the guard flags (HTTP 400, code {@code content_filter}).
     *
     * @param promptScreen Prompt Guard and its thresholds, or null for none
     */
    public static OpenAiServer start(Llama llama, ServerOptions options, LlamaGuard guard, ModerationMode moderate,
            PromptScreen promptScreen) {
        ServerContext ctx = new ServerContext(new ServedModel(llama, options.servedModelName()), options, guard,
                moderate, promptScreen);
        HttpRouting.Builder routing = HttpRouting.builder();
        routes(routing, ctx);
        WebServer server = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false)
                // Helidon's own limit rejects a body before routing (answered by the direct handler
                // below) without reading it, and a client still sending it may then lose the answer
                // (the close resets the connection: BadInputTest saw it one run in six). So it is
                // set well above ours, which reads a body over it to its end before answering.
                .maxPayloadSize(drainLimit(options.maxBodyBytes()))
                .shutdownGracePeriod(Duration.ofMillis(500))
                .directHandlers(directHandlers(options))
                .routing(routing)
                .build()
                .start();
        // Helidon logs a failed bind and returns a server that is not running.
        if (!server.isRunning()) {
            throw new Llama3jException("cannot listen on " + options.host() + ":" + options.port()
                    + ": the address is in use or not available here");
        }
        return new OpenAiServer(ctx, server);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.port();
    }

    public String baseUrl() {
        String host = ctx.options.host().contains(":") ? "[" + ctx.options.host() + "]" : ctx.options.host();
        return "http://" + host + ":" + port();
    }

    /** Generations running or queued for this server's requests. */
    public int inFlight() {
        return ctx.inFlight();
    }

    /** Blocks until {@link #close()} is called from another thread (e.g. a shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped) {
                stopLock.wait();
            }
        }
    }

    /**
     * Graceful shutdown: refuses new generations (503), lets running ones finish for up to the
     * configured grace period, cancels the rest (their clients get an error, not a hang), then
     * stops listening. The model stays loaded; the caller closes it.
     */
    @Override
    public void close() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
        }
        int cancelled = ctx.drain(ctx.options.shutdownGrace());
        if (cancelled > 0) {
            LOG.log(Level.INFO, "shutdown cancelled {0} request(s) still generating", cancelled);
        }
        server.stop();
        synchronized (stopLock) {
            stopped = true;
            stopLock.notifyAll();
        }
    }

    // ------------------------------------------------------------------ routing

    private static void routes(HttpRouting.Builder r, ServerContext ctx) {
        ChatCompletionsHandler chat = new ChatCompletionsHandler(ctx);
        CompletionsHandler completions = new CompletionsHandler(ctx);
        TokenizeHandler tokenize = new TokenizeHandler(ctx);
        ModerationsHandler moderations = new ModerationsHandler(ctx);
        r.addFilter((chain, req, res) -> {
            String path = req.path().path();
            String route = ROUTES.contains(path) ? path : path.startsWith("/v1/models/") ? "/v1/models/{id}"
                    : "other";
            try {
                if (ctx.options.apiKey() != null && !path.equals("/health") && !authorized(req, ctx.options.apiKey())) {
                    res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
                    sendError(res, OpenAiError.unauthorized());
                } else {
                    chain.proceed();
                }
            } finally {
                ctx.metrics.httpRequest(route, res.status().code());
            }
        });
        r.post("/v1/chat/completions", (req, res) -> withBody(ctx, req, res, body -> chat.handle(body, res)));
        r.post("/v1/completions", (req, res) -> withBody(ctx, req, res, body -> completions.handle(body, res)));
        r.post("/v1/moderations",
                (req, res) -> withBody(ctx, req, res, body -> JsonSupport.send(res, 200, moderations.handle(body))));
        r.post("/tokenize",
                (req, res) -> withBody(ctx, req, res, body -> JsonSupport.send(res, 200, tokenize.tokenize(body))));
        r.post("/detokenize",
                (req, res) -> withBody(ctx, req, res, body -> JsonSupport.send(res, 200, tokenize.detokenize(body))));
        r.get("/v1/models", (req, res) -> JsonSupport.send(res, 200, models(ctx)));
        r.get("/v1/models/{id}", (req, res) -> {
            String id = req.path().pathParameters().get("id");
            for (JsonNode m : models(ctx).get("data")) {
                if (m.get("id").asText().equals(id)) {
                    JsonSupport.send(res, 200, m);
                    return;
                }
            }
            sendError(res, OpenAiError.modelNotFound(id));
        });
        r.get("/health", (req, res) -> {
            ObjectNode o = JsonSupport.MAPPER.createObjectNode();
            o.put("status", ctx.isDraining() ? "shutting down" : "ok");
            JsonSupport.send(res, ctx.isDraining() ? 503 : 200, o);
        });
        r.get("/metrics", (req, res) -> {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, PrometheusMetrics.CONTENT_TYPE);
            res.send(ctx.metrics.render().getBytes(StandardCharsets.UTF_8));
        });
        r.any((req, res) -> {
            Method m = req.prologue().method();
            String path = req.path().path();
            if (ROUTES.contains(path)) {
                res.header(HeaderNames.ALLOW, path.equals("/v1/models") || path.equals("/health")
                        || path.equals("/metrics") ? "GET" : "POST");
                sendError(res, new OpenAiError(405, "invalid_request_error", "Method " + m.text() + " is not allowed"
                        + " on " + path, null, "method_not_allowed"));
            } else {
                sendError(res, OpenAiError.notFound(m.text(), path));
            }
        });
    }

    private static ObjectNode models(ServerContext ctx) {
        ObjectNode root = JsonSupport.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ctx.model.ids()) {
            ObjectNode m = data.addObject();
            m.put("id", id);
            m.put("object", "model");
            m.put("created", ctx.model.created);
            m.put("owned_by", "llama3j");
            if (!id.equals(ctx.model.name)) {
                m.put("parent", ctx.model.name); // a LoRA adapter on the served model
            }
            m.put("max_model_len", ctx.model.contextSize());
        }
        return root;
    }

    private static boolean authorized(ServerRequest req, String key) {
        var h = req.headers().first(HeaderNames.AUTHORIZATION);
        if (h.isEmpty()) {
            return false;
        }
        String v = h.get().trim();
        if (!v.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = v.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, key.getBytes(StandardCharsets.UTF_8));
    }

    interface BodyHandler {
        void handle(ObjectNode body);
    }

    private static void withBody(ServerContext ctx, ServerRequest req, ServerResponse res, BodyHandler h) {
        try {
            h.handle(JsonSupport.parseObject(readBody(req, ctx.options.maxBodyBytes())));
        } catch (Throwable t) {
            if (t instanceof Error e && !(t instanceof StackOverflowError) && !(t instanceof OutOfMemoryError)) {
                throw e;
            }
            OpenAiError e = Errors.toOpenAi(t);
            if (e.status() == 429) {
                res.header(HeaderNames.RETRY_AFTER, "1");
            }
            try {
                sendError(res, e);
            } catch (RuntimeException already) {
                // The response was already under way (a stream); the client sees the stream end.
            }
        }
    }

    /**
     * The most bytes of a body over the limit that the server reads (and drops) before answering 413,
     * so that the client, done sending, reads the answer: eight times the limit, at least 64 MB more.
     * Larger bodies are refused by Helidon before routing, unread.
     */
    static long drainLimit(long limit) {
        return Math.max(limit + (64L << 20), limit > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : limit * 8);
    }

    static byte[] readBody(ServerRequest req, long limit) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                in.transferTo(OutputStream.nullOutputStream()); // the rest, up to drainLimit
                throw OpenAiError.tooLarge(limit);
            }
            return body;
        } catch (io.helidon.http.RequestException e) {
            // Helidon checks each chunk of a chunked body against its own limit.
            if (e.status().code() == 413) {
                throw OpenAiError.tooLarge(limit);
            }
            throw OpenAiError.invalid("The request body could not be read: " + e.status().reasonPhrase(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sendError(ServerResponse res, OpenAiError e) {
        JsonSupport.send(res, e.status(), e.body());
    }

    /** Errors Helidon answers before routing (bad HTTP, a body over the limit) get the same JSON shape. */
    private static DirectHandlers directHandlers(ServerOptions options) {
        DirectHandler json = (request, type, status, headers, message) -> {
            OpenAiError e = type == DirectHandler.EventType.PAYLOAD_TOO_LARGE || status.code() == 413 ? OpenAiError.tooLarge(
                    options.maxBodyBytes()) : new OpenAiError(status.code(), status.code() >= 500 ? "server_error"
                    : "invalid_request_error", status.code() >= 500 ? "The server had an error while processing the"
                    + " request" : "Bad request: " + status.reasonPhrase(), null, null);
            ServerResponseHeaders h = ServerResponseHeaders.create();
            h.set(HeaderValues.CONTENT_TYPE_JSON);
            return DirectHandler.TransportResponse.builder()
                    .status(status)
                    .headers(h)
                    .keepAlive(false)
                    .entity(JsonSupport.bytes(e.body()))
                    .build();
        };
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            b.addHandler(t, json);
        }
        return b.build();
    }
}
