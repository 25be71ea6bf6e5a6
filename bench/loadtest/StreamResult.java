import java.util.ArrayList;
import java.util.List;

/**
 * What one streamed completion saw: its status, when its first token and every later one came, the
 * usage chunk's token count, whether it ended with [DONE], and the first error. Fed one line of the
 * server-sent events at a time, by {@link Http} or {@link DisconnectingClient} alike.
 */
final class StreamResult {
    long startNanos;
    volatile long firstTokenNanos;
    long endNanos;
    int status;
    String retryAfter;
    int chunks;
    int completionTokens = -1;
    boolean done;
    String error;
    final List<Long> tokenTimes = new ArrayList<>();

    double ttft() {
        return firstTokenNanos == 0 ? Double.NaN : (firstTokenNanos - startNanos) / 1e9;
    }

    /** One line of the event stream; only {@code data: } lines count. */
    void line(String l) {
        if (!l.startsWith("data: ")) {
            return;
        }
        String data = l.substring(6);
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        Object j = Requests.parse(data);
        if (Requests.path(j, "error") != null) {
            error = "error chunk: " + data;
            return;
        }
        if (Requests.path(j, "usage", "completion_tokens") instanceof Number n) {
            completionTokens = n.intValue();
        }
        Object choice = Requests.path(j, "choices", 0);
        if (choice != null) {
            Object text = Requests.path(choice, "text");
            Object delta = Requests.path(choice, "delta", "content");
            Object tools = Requests.path(choice, "delta", "tool_calls");
            boolean token = (text instanceof String s && !s.isEmpty()) || (delta instanceof String d && !d.isEmpty())
                    || tools != null || Requests.path(choice, "finish_reason") instanceof String;
            if (token) {
                long now = System.nanoTime();
                if (firstTokenNanos == 0) {
                    firstTokenNanos = now;
                }
                tokenTimes.add(now);
                chunks++;
            }
        }
    }

    /** The stream ended: without [DONE] that is an error. */
    void ended() {
        if (!done && error == null) {
            error = "the stream ended without [DONE]";
        }
    }

    void failed(Exception e) {
        if (error == null) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
