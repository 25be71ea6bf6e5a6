import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak (see Load.java's header): many clients in a loop of random chat and text completions,
 * some closed mid-request by a {@link DisconnectingClient}; then the server must drain to idle and
 * its memory must not grow.
 */
final class Soak {
    private Soak() {}

    static final String[] WORDS = ("the of and to in a is that for it as was with be by on not he this are or his"
            + " from at which but have an they you were her she there been one all we their has would when if so no"
            + " will can more about some what time into only other could new people two first like over year way"
            + " river mountain engine window orange silver quiet market letter garden summer bridge winter story")
            .split(" ");
    static final String SYSTEM = "You are a helpful assistant. Answer briefly and precisely.";

    static final class SoakStats {
        final Map<String, AtomicLong> status = new ConcurrentHashMap<>();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong cancelled = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong retryAfterMissing = new AtomicLong();
        final List<String> errorSamples = new CopyOnWriteArrayList<>();

        void status(int s) {
            status.computeIfAbsent(Integer.toString(s), k -> new AtomicLong()).incrementAndGet();
        }

        void error(String e) {
            errors.incrementAndGet();
            if (errorSamples.size() < 8) {
                errorSamples.add(e.length() > 300 ? e.substring(0, 300) + "…" : e);
            }
        }
    }

    static void run() throws Exception {
        System.err.printf(Locale.ROOT, "bench/load: soak: %d clients for %.0f s, %.0f%% cancelled ...%n",
                Options.soakClients,
                Options.duration, Options.cancelShare * 100);
        SoakStats st = new SoakStats();
        ScheduledExecutorService cancels = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-cancel");
            t.setDaemon(true);
            return t;
        });
        List<long[]> rss = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + (long) (Options.duration * 1e9);
        rss.add(new long[] {0, Server.rssKb()});
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep((long) (Options.rssEvery * 1000));
                    rss.add(new long[] {System.nanoTime() - t0, Server.rssKb()});
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < Options.soakClients; c++) {
            Random r = new Random(Options.seed * 1000 + c);
            clients.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end) {
                    soakRequest(r, st, cancels);
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        double ran = (System.nanoTime() - t0) / 1e9;
        // Settle: streams whose client vanished are noticed at the next token or keep-alive (10 s);
        // a non-streamed request whose client vanished runs to its end.
        long settleStart = System.nanoTime();
        Map<String, Double> m = Server.metrics();
        while ((m.getOrDefault("llama3j_requests_running", -1.0) != 0
                || m.getOrDefault("llama3j_requests_waiting", -1.0) != 0)
                && System.nanoTime() - settleStart < 120_000_000_000L) {
            Thread.sleep(500);
            m = Server.metrics();
        }
        double settle = (System.nanoTime() - settleStart) / 1e9;
        Thread.sleep(2000);
        m = Server.metrics();
        sampler.interrupt();
        sampler.join();
        rss.add(new long[] {System.nanoTime() - t0, Server.rssKb()});
        cancels.shutdownNow();

        Report.row("soak", "clients / duration (until the last request ended)", String.format(Locale.ROOT,
                "%d / %.0f s (%.0f s)", Options.soakClients, Options.duration, ran), "");
        Report.row("", "requests / completed / cancelled by the client", st.requests + " / " + st.completed + " / "
                + st.cancelled, "");
        Report.row("", "generated tokens (completed requests) / tok/s", String.format(Locale.ROOT, "%d / %.1f",
                st.tokens.get(), st.tokens.get() / ran), "");
        StringBuilder codes = new StringBuilder();
        boolean onlyOk = true;
        for (var e : new TreeMap<>(st.status).entrySet()) {
            codes.append(codes.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue());
            onlyOk &= e.getKey().equals("200") || e.getKey().equals("429");
        }
        Report.row("", "HTTP status codes", codes.toString(), Report.check("soak", "only 200, 429", onlyOk));
        Report.row("", "429 without Retry-After", Long.toString(st.retryAfterMissing.get()),
                Report.check("soak", "0", st.retryAfterMissing.get() == 0));
        Report.row("", "errors (failed requests, error chunks, no [DONE])", Long.toString(st.errors.get()),
                Report.check("soak", "0", st.errors.get() == 0));
        for (String e : st.errorSamples) {
            Report.row("", "  e.g.", e, "");
        }
        double running = m.getOrDefault("llama3j_requests_running", -1.0);
        double waiting = m.getOrDefault("llama3j_requests_waiting", -1.0);
        Report.row("", "after the soak: running / waiting sequences", String.format(Locale.ROOT,
                "%.0f / %.0f (zero after %.1f s)", running, waiting, settle), Report.check("soak", "0 / 0",
                running == 0 && waiting == 0));
        Report.row("", "server: cancelled / client disconnects / rejected", String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
                m.getOrDefault("llama3j_requests_cancelled_total", -1.0),
                m.getOrDefault("llama3j_client_disconnects_total", -1.0),
                m.getOrDefault("llama3j_requests_rejected_total", -1.0)), "");
        long start = rss.get(0)[1];
        long last = rss.get(rss.size() - 1)[1];
        long firstHalf = 0;
        long rest = 0;
        long max = 0;
        for (long[] s : rss) {
            max = Math.max(max, s[1]);
            if (s[0] <= Options.duration * 1e9 / 2) {
                firstHalf = Math.max(firstHalf, s[1]);
            } else {
                rest = Math.max(rest, s[1]);
            }
        }
        Report.row("", "server RSS start / end / max (" + rss.size() + " samples)",
                Report.mib(start) + " / " + Report.mib(last) + " / " + Report.mib(max), "");
        StringBuilder trend = new StringBuilder();
        for (int i = 0; i < 8 && rss.size() > 1; i++) {
            long[] s = rss.get((int) Math.round(i * (rss.size() - 1) / 7.0));
            trend.append(trend.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0fs %.0f", s[0] / 1e9,
                    s[1] / 1024.0));
        }
        Report.row("", "server RSS trend (MiB)", trend.toString(), "");
        boolean stable = rest <= firstHalf * 1.10;
        Report.row("", "server RSS peak: 1st half / after (2nd half, drain)",
                Report.mib(firstHalf) + " / " + Report.mib(rest),
                Report.check("soak", "after <= 1st half + 10%", stable));
    }

    static void soakRequest(Random r, SoakStats st, ScheduledExecutorService cancels) {
        boolean chat = r.nextBoolean();
        boolean streamIt = r.nextBoolean();
        boolean cancel = r.nextDouble() < Options.cancelShare;
        int maxTokens = 1 + r.nextInt(48);
        String body;
        String path;
        if (chat) {
            StringBuilder text = new StringBuilder();
            int words = 2 + r.nextInt(80);
            for (int i = 0; i < words; i++) {
                text.append(i > 0 ? " " : "").append(WORDS[r.nextInt(WORDS.length)]);
            }
            path = "/v1/chat/completions";
            body = "{\"model\":" + Requests.quote(Requests.modelId) + ",\"messages\":[" + (r.nextBoolean()
                    ? "{\"role\":\"system\",\"content\":" + Requests.quote(SYSTEM) + "}," : "")
                    + "{\"role\":\"user\",\"content\":" + Requests.quote(text.toString()) + "}],\"max_tokens\":" + maxTokens
                    + ",\"temperature\":" + String.format(Locale.ROOT, "%.2f", r.nextDouble())
                    + ",\"seed\":" + r.nextInt(1_000_000)
                    + (streamIt ? Requests.STREAM_OPTIONS : "") + "}";
        } else {
            List<Integer> prompt = Requests.randomPrompt(r, 4 + r.nextInt(200));
            path = "/v1/completions";
            body = Requests.completionBody(prompt, maxTokens, streamIt);
        }
        st.requests.incrementAndGet();
        if (cancel) {
            cancelled(path, body, streamIt, r, st, cancels);
            return;
        }
        if (streamIt) {
            StreamResult s = Http.stream(path, body, 300_000);
            account(st, s.status, s.retryAfter, s.error, s.completionTokens);
            return;
        }
        int status = 0;
        String retryAfter = null;
        String error = null;
        int completion = -1;
        try {
            HttpResponse<String> resp = Http.post(path, body, 300_000);
            status = resp.statusCode();
            retryAfter = resp.headers().firstValue("retry-after").orElse(null);
            error = checkBody(status, resp.body());
            completion = status == 200 && error == null ? completionTokens(resp.body()) : -1;
        } catch (IOException | RuntimeException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        account(st, status, retryAfter, error, completion);
    }

    /** A request whose client closes its connection at a random moment: queued, in prefill, or mid-stream. */
    static void cancelled(String path, String body, boolean streamIt, Random r, SoakStats st,
            ScheduledExecutorService cancels) {
        DisconnectingClient conn = new DisconnectingClient();
        AtomicBoolean cancelledByUs = new AtomicBoolean();
        long afterMs = r.nextInt(8000);
        cancels.schedule(() -> {
            cancelledByUs.set(true);
            conn.close();
        }, afterMs, TimeUnit.MILLISECONDS);
        if (streamIt) {
            StreamResult s = conn.stream(path, body, 300_000);
            if (cancelledByUs.get() && (s.error != null || !s.done)) {
                if (s.status != 0) {
                    st.status(s.status);
                }
                st.cancelled.incrementAndGet();
                return;
            }
            account(st, s.status, s.retryAfter, s.error, s.completionTokens);
            return;
        }
        int status = 0;
        String retryAfter = null;
        String error = null;
        int completion = -1;
        try {
            conn.send(path, body, 300_000);
            status = conn.status;
            retryAfter = conn.headers.get("retry-after");
            String text = new String(conn.body.readAllBytes(), StandardCharsets.UTF_8);
            error = checkBody(status, text);
            completion = status == 200 && error == null ? completionTokens(text) : -1;
        } catch (IOException | RuntimeException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            conn.close();
        }
        if (cancelledByUs.get() && (error != null || status == 0)) {
            if (status != 0) {
                st.status(status);
            }
            st.cancelled.incrementAndGet();
            return;
        }
        account(st, status, retryAfter, error, completion);
    }

    /** What is wrong with a non-streamed answer, or null: a 200 needs usage and a finish_reason. */
    static String checkBody(int status, String text) {
        if (status == 200) {
            Object j = Requests.parse(text);
            if (!(Requests.path(j, "usage", "completion_tokens") instanceof Number)
                    || Requests.path(j, "choices", 0, "finish_reason") == null) {
                return "a 200 without usage or finish_reason: " + text;
            }
            return null;
        }
        return status == 429 ? null : "HTTP " + status + ": " + text;
    }

    static int completionTokens(String text) {
        return ((Number) Requests.path(Requests.parse(text), "usage", "completion_tokens")).intValue();
    }

    static void account(SoakStats st, int status, String retryAfter, String error, int completion) {
        if (status != 0) {
            st.status(status);
        }
        if (status == 429) {
            if (retryAfter == null) {
                st.retryAfterMissing.incrementAndGet();
            }
            try {
                Thread.sleep(1000L * Math.max(1, Math.min(10, retryAfter == null ? 1 : Integer.parseInt(retryAfter.trim()))));
            } catch (InterruptedException | NumberFormatException e) {
                // go on
            }
            return;
        }
        if (error != null) {
            st.error(error);
            return;
        }
        st.completed.incrementAndGet();
        st.tokens.addAndGet(Math.max(0, completion));
    }
}
