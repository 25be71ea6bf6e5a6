package dev.llama3j.server;

import dev.llama3j.guard.ChatModerator;
import dev.llama3j.guard.LlamaGuard;
import dev.llama3j.guard.ModerationMode;
import dev.llama3j.guard.PromptScreen;
import dev.llama3j.Llama;
import dev.llama3j.engine.Engine;
import dev.llama3j.engine.EngineOverloadedException;
import dev.llama3j.engine.GenerationRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the handlers share: the model, the options, the metrics, and the generations in flight
 * (so that a shutdown can wait for them or cancel them).
 */
final class ServerContext {
    final ServedModel model;
    final ServerOptions options;
    final PrometheusMetrics metrics;
    /** The Llama Guard model for {@code /v1/moderations}, or null. */
    final LlamaGuard guard;
    final String guardName;
    /** Checks chat prompts and answers with {@link #guard} ({@code --moderate}), or null. */
    final ChatModerator moderator;
    /** Prompt Guard's check of chat messages before generation ({@code --prompt-guard}), or null. */
    final PromptScreen promptScreen;
    private final Set<GenerationStream> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    ServerContext(ServedModel model, ServerOptions options) {
        this(model, options, null, null, null);
    }

    ServerContext(ServedModel model, ServerOptions options, LlamaGuard guard, ModerationMode moderate,
            PromptScreen promptScreen) {
        this.model = model;
        this.options = options;
        this.metrics = new PrometheusMetrics(model.llama.engine());
        this.guard = guard;
        this.guardName = guard == null ? null : guard.model().path().getFileName().toString();
        this.moderator = guard == null || moderate == null ? null : new ChatModerator(guard, moderate);
        this.promptScreen = promptScreen;
    }

    Llama llama() {
        return model.llama;
    }

    Engine engine() {
        return model.llama.engine();
    }

    /**
     * Submits one generation per request, all or none: if the engine refuses one (queue full), the
     * ones already queued are cancelled and the refusal propagates (HTTP 429).
     */
    GenerationStream submit(List<GenerationRequest> requests) {
        if (draining) {
            throw OpenAiError.unavailable("The server is shutting down; try another instance or retry later");
        }
        GenerationStream stream = new GenerationStream();
        inFlight.add(stream);
        try {
            for (int i = 0; i < requests.size(); i++) {
                stream.add(engine().submit(requests.get(i), stream.listener(i)));
            }
        } catch (EngineOverloadedException e) {
            finished(stream);
            stream.cancel();
            throw e;
        } catch (IllegalStateException e) {
            finished(stream);
            stream.cancel();
            throw OpenAiError.unavailable("The server is shutting down; try another instance or retry later");
        } catch (RuntimeException e) {
            finished(stream);
            stream.cancel();
            throw e;
        }
        return stream;
    }

    void finished(GenerationStream stream) {
        inFlight.remove(stream);
    }

    boolean isDraining() {
        return draining;
    }

    /**
     * Refuses new generations, waits up to {@code grace} for running ones to end, then cancels the
     * rest; returns how many had to be cancelled.
     */
    int drain(Duration grace) {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
        int cancelled = 0;
        for (GenerationStream s : inFlight) {
            s.cancel();
            cancelled++;
        }
        // Let the handlers write their last chunk or error before the sockets close.
        long end = System.nanoTime() + 2_000_000_000L;
        while (!inFlight.isEmpty() && System.nanoTime() < end) {
            sleep(10);
        }
        return cancelled;
    }

    int inFlight() {
        return inFlight.size();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
