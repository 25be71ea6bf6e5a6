import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One request on its own loopback connection ({@code Connection: close}) that another thread may
 * {@link #close} at any moment: a plain socket, so that the close is exactly a client going away
 * (queued, in prefill or mid-stream), which {@code java.net.http} does not promise. Only the soak's
 * cancelled clients use it; every other request goes through {@link Http}.
 */
final class DisconnectingClient {
    private final Socket socket = new Socket();
    private volatile boolean closed;

    /** The status line and headers of the response; {@link #body} is what follows, de-chunked. */
    int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    InputStream body;

    /** Sends a POST with a JSON body and reads the response's head. */
    void send(String path, String json, int readTimeoutMs) throws IOException {
        if (closed) {
            throw new IOException("closed before sending");
        }
        socket.connect(new InetSocketAddress(Server.HOST, Server.port), 10_000);
        socket.setSoTimeout(readTimeoutMs);
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + Server.HOST + ":" + Server.port
                + "\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nAccept: */*\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        InputStream in = new BufferedInputStream(socket.getInputStream());
        String statusLine = readLine(in);
        if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
            throw new IOException("no HTTP response (" + statusLine + ")");
        }
        status = Integer.parseInt(statusLine.split(" ")[1]);
        String l;
        while ((l = readLine(in)) != null && !l.isEmpty()) {
            int c = l.indexOf(':');
            if (c > 0) {
                headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = new Chunked(in);
        } else if (headers.containsKey("content-length")) {
            body = new Limited(in, Long.parseLong(headers.get("content-length")));
        } else {
            body = in;
        }
    }

    /** Streams one request to its end, or until {@link #close} from outside. */
    StreamResult stream(String path, String json, int readTimeoutMs) {
        StreamResult r = new StreamResult();
        r.startNanos = System.nanoTime();
        try {
            send(path, json, readTimeoutMs);
            r.status = status;
            r.retryAfter = headers.get("retry-after");
            if (status != 200) {
                r.error = "HTTP " + status + ": " + new String(body.readAllBytes(), StandardCharsets.UTF_8);
                return r;
            }
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            int b;
            while ((b = body.read()) >= 0) {
                if (b != '\n') {
                    raw.write(b);
                    continue;
                }
                r.line(raw.toString(StandardCharsets.UTF_8));
                raw.reset();
            }
            r.ended();
        } catch (IOException | RuntimeException e) {
            r.failed(e);
        } finally {
            r.endNanos = System.nanoTime();
            close();
        }
        return r;
    }

    void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A body of known length. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long n) {
            this.in = in;
            this.left = n;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("the body ended " + left + " bytes early");
            }
            left--;
            return b;
        }
    }

    /** A body in HTTP/1.1 chunked transfer encoding. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean eof;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (eof) {
                return -1;
            }
            if (left == 0) {
                String size = readLine(in);
                if (size == null) {
                    throw new IOException("the chunked body ended without its last chunk");
                }
                if (size.isEmpty()) { // the CRLF after the previous chunk's data
                    size = readLine(in);
                    if (size == null) {
                        throw new IOException("the chunked body ended without its last chunk");
                    }
                }
                int semi = size.indexOf(';');
                left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                if (left == 0) {
                    eof = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("the chunked body ended mid-chunk");
            }
            left--;
            return b;
        }
    }
}
