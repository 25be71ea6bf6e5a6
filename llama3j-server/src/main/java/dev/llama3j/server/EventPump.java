package dev.llama3j.server;

import java.time.Duration;

/**
 * Drains a request's {@link GenerationStream} on the request's thread until every choice has
 * finished or failed. While nothing arrives for the keep-alive interval it calls {@code idle}
 * (streams send an SSE comment there, which also finds clients that went away).
 */
final class EventPump {
    interface Sink {
        void event(GenerationStream.Event event);
    }

    private EventPump() {}

    static void run(GenerationStream stream, int choices, Duration keepAlive, Sink sink, Runnable idle) {
        int open = choices;
        while (open > 0) {
            GenerationStream.Event e;
            try {
                e = stream.poll(keepAlive);
            } catch (InterruptedException ie) {
                stream.cancel();
                Thread.currentThread().interrupt();
                throw OpenAiError.unavailable("The server is shutting down");
            }
            if (e == null) {
                if (idle != null) {
                    idle.run();
                }
                continue;
            }
            if (e instanceof GenerationStream.Finished || e instanceof GenerationStream.Failed) {
                open--;
            }
            sink.event(e);
        }
    }
}
