package dev.llama3j.server;

import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The events of one request's generations (one per choice), carried from the engine's scheduler
 * thread to the request's virtual thread. The listener side only enqueues, so the scheduler is
 * never held up by a slow client.
 */
final class GenerationStream {
    sealed interface Event permits Token, Finished, Failed {
        int choice();
    }

    record Token(int choice, TokenEvent event) implements Event {}

    record Finished(int choice, GenerationResult result) implements Event {}

    record Failed(int choice, Throwable error) implements Event {}

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final List<Generation> generations = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    GenerationListener listener(int choice) {
        return new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                queue.add(new Token(choice, event));
            }

            @Override
            public void onFinish(GenerationResult result) {
                queue.add(new Finished(choice, result));
            }

            @Override
            public void onError(Throwable error) {
                queue.add(new Failed(choice, error));
            }
        };
    }

    void add(Generation g) {
        generations.add(g);
        if (cancelled) {
            g.cancel();
        }
    }

    /** The next event, or null after {@code timeout} without one. */
    Event poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Frees the request's sequences at the engine's next step. */
    void cancel() {
        cancelled = true;
        for (Generation g : generations) {
            g.cancel();
        }
    }
}
