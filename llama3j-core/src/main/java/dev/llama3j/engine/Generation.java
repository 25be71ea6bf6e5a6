package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** A submitted generation: wait for it, or cancel it (its slot is freed at the next step). */
public final class Generation {
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private volatile boolean cancelled;

    Generation() {}

    /** Asks the engine to stop this generation; its listener gets {@link FinishReason#CANCELLED}. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Blocks until the generation ends; rethrows its failure. */
    public GenerationResult await() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a generation", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    public CompletableFuture<GenerationResult> future() {
        return result;
    }
}
