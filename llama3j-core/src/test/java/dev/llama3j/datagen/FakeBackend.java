package dev.llama3j.datagen;

import dev.llama3j.chat.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A backend answering after a delay with a function of the last message; counts requests in flight. */
final class FakeBackend implements ChatBackend {
    private static final ScheduledExecutorService TIMER = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "fake-backend");
        t.setDaemon(true);
        return t;
    });

    private final String name;
    private final Function<String, String> answer;
    private final Function<String, Long> delayMillis;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();

    /** @param answer the reply to the last message's text; throwing fails the request */
    FakeBackend(String name, Function<String, String> answer, Function<String, Long> delayMillis) {
        this.name = name;
        this.answer = answer;
        this.delayMillis = delayMillis;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public CompletableFuture<ChatResult> submit(List<Message> messages) {
        requests.incrementAndGet();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        String last = (String) messages.getLast().content();
        CompletableFuture<ChatResult> f = new CompletableFuture<>();
        TIMER.schedule(() -> {
            inFlight.decrementAndGet();
            try {
                f.complete(new ChatResult(answer.apply(last), 10, 3));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }, delayMillis.apply(last), TimeUnit.MILLISECONDS);
        return f;
    }
}
