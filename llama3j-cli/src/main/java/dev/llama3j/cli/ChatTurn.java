package dev.llama3j.cli;

import dev.llama3j.ChatListener;
import dev.llama3j.ChatRequest;
import dev.llama3j.ChatResponse;
import dev.llama3j.Llama;
import dev.llama3j.engine.Generation;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * One assistant answer: generated on the engine's thread, printed on the caller's. The listener only
 * queues what it hears (the engine wants its listeners quick, and a slow terminal must not hold up
 * generation); the caller's thread prints it, and Ctrl-C, via {@link #stop()}, cancels the generation.
 */
final class ChatTurn {
    /**
     * @param response the parsed message and the generation's counts and speeds
     * @param shown the content that was printed
     * @param stopped whether the user stopped it
     */
    record Outcome(ChatResponse response, String shown, boolean stopped) {}

    private record Finished(ChatResponse response) {}

    private record Failed(Throwable error) {}

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Generation generation;
    private volatile boolean stopped;

    private ChatTurn(Llama llama, ChatRequest request) {
        this.generation = llama.chat(request, new ChatListener() {
            @Override
            public void onContent(String delta) {
                events.add(delta);
            }

            @Override
            public void onFinish(ChatResponse response) {
                events.add(new Finished(response));
            }

            @Override
            public void onError(Throwable error) {
                events.add(new Failed(error));
            }
        });
    }

    /** Submits the request; bad requests (a prompt longer than the context) throw here. */
    static ChatTurn start(Llama llama, ChatRequest request) {
        return new ChatTurn(llama, request);
    }

    /** Stops the answer where it is; safe to call from any thread (a signal handler). */
    void stop() {
        stopped = true;
        generation.cancel();
    }

    /** Prints the answer's content as it comes, until the answer ends or is stopped. */
    Outcome printTo(Consumer<String> print) {
        StringBuilder shown = new StringBuilder();
        while (true) {
            Object event;
            try {
                event = events.take();
            } catch (InterruptedException e) {
                stop();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while generating", e);
            }
            switch (event) {
                // After a stop the parser may still release held-back text: it was never shown, so drop it.
                case String delta when !stopped -> {
                    print.accept(delta);
                    shown.append(delta);
                }
                case String ignored -> { }
                case Finished f -> {
                    return new Outcome(f.response(), shown.toString(), stopped);
                }
                case Failed f when f.error() instanceof RuntimeException re -> throw re;
                case Failed f -> throw new IllegalStateException(f.error());
                default -> throw new IllegalStateException("unexpected event " + event);
            }
        }
    }
}
