import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

/**
 * Requests to the server over {@code java.net.http}: plain ones, and streamed completions read line
 * by line as the server sends them. HTTP/1.1, the protocol of every OpenAI client the server meets.
 * A timeout bounds the wait for the response's head; the run's deadline bounds the rest.
 */
final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private Http() {}

    static HttpResponse<String> get(String path, int timeoutMs) throws IOException {
        return send(request(path, timeoutMs).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body, int timeoutMs) throws IOException {
        return send(request(path, timeoutMs).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Streams one request to its end into {@code r}. */
    static StreamResult stream(String path, String body, int timeoutMs, StreamResult r) {
        r.startNanos = System.nanoTime();
        HttpRequest req = request(path, timeoutMs).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Stream<String>> resp = send(req, HttpResponse.BodyHandlers.ofLines());
            r.status = resp.statusCode();
            r.retryAfter = resp.headers().firstValue("retry-after").orElse(null);
            try (Stream<String> lines = resp.body()) {
                if (r.status != 200) {
                    r.error = "HTTP " + r.status + ": " + String.join("\n", (Iterable<String>) lines::iterator);
                    return r;
                }
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    r.line(it.next());
                }
            }
            r.ended();
        } catch (IOException | RuntimeException e) {
            r.failed(e);
        } finally {
            r.endNanos = System.nanoTime();
        }
        return r;
    }

    static StreamResult stream(String path, String body, int timeoutMs) {
        return stream(path, body, timeoutMs, new StreamResult());
    }

    private static HttpRequest.Builder request(String path, int timeoutMs) {
        return HttpRequest.newBuilder(URI.create("http://" + Server.HOST + ":" + Server.port + path))
                .timeout(Duration.ofMillis(timeoutMs))
                .header("Content-Type", "application/json")
                .header("Accept", "*/*");
    }

    private static <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return CLIENT.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + req.uri());
        }
    }
}
