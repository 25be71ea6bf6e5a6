import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** The warm-up and the two measured scenarios, throughput and ttft (see Load.java's header). */
final class Scenarios {
    private Scenarios() {}

    static void warmup() throws Exception {
        System.err.println("bench/load: warming up (JIT) ...");
        long t0 = System.nanoTime();
        // One request alone, then a full batch with a longer prompt, so every kernel path is compiled.
        StreamResult one = Http.stream("/v1/completions", Requests.streamed(32, 16), 600_000);
        if (one.error != null) {
            throw new Server.SetupException("warm-up request failed: " + one.error);
        }
        List<StreamResult> many = concurrent(Options.parallel, i -> Requests.streamed(i == 0 ? 300 : 32, 8));
        for (StreamResult r : many) {
            if (r.error != null) {
                throw new Server.SetupException("warm-up request failed: " + r.error);
            }
        }
        System.err.printf(Locale.ROOT, "bench/load: warm-up took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    interface BodyFor {
        String body(int client);
    }

    static List<StreamResult> concurrent(int n, BodyFor bodies) throws InterruptedException {
        List<String> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(bodies.body(i));
        }
        StreamResult[] out = new StreamResult[n];
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i;
            ts.add(Thread.ofVirtual().start(() -> out[c] = Http.stream("/v1/completions", b.get(c), 600_000)));
        }
        for (Thread t : ts) {
            t.join();
        }
        return Arrays.asList(out);
    }

    /** {@code decodeTokS}: tokens after the first ones, over the time from the last first token to the end. */
    record Round(int clients, long tokens, double wall, double tokS, double ttftMax, int short_, double decodeTokS) {}

    static Round round(int clients) throws InterruptedException {
        List<StreamResult> rs = concurrent(clients, i -> Requests.streamed(32, Options.tokens));
        long start = Long.MAX_VALUE;
        long end = 0;
        long sum = 0;
        double ttftMax = 0;
        int shortCount = 0;
        long lastFirst = 0;
        for (StreamResult r : rs) {
            if (r.error != null) {
                Report.check("throughput", "request failed: " + r.error, false);
                continue;
            }
            start = Math.min(start, r.startNanos);
            end = Math.max(end, r.endNanos);
            int n = r.completionTokens >= 0 ? r.completionTokens : r.chunks;
            if (n < Options.tokens) {
                shortCount++;
            }
            sum += n;
            ttftMax = Math.max(ttftMax, r.ttft());
            lastFirst = Math.max(lastFirst, r.firstTokenNanos);
        }
        double wall = (end - start) / 1e9;
        return new Round(clients, sum, wall, sum / wall, ttftMax, shortCount, (sum - clients) / ((end - lastFirst) / 1e9));
    }

    static void throughput() throws Exception {
        System.err.println("bench/load: throughput: 1 client, then " + Options.clientsMany + " clients, " + Options.tokens
                + " tokens each ...");
        // Alternating rounds; the best of each is compared (a busy machine only ever slows a round down).
        Round one = null;
        Round many = null;
        for (int rep = 0; rep < Options.reps; rep++) {
            Round a = round(1);
            Round b = round(Options.clientsMany);
            for (Round r : List.of(a, b)) {
                Report.row(rep == 0 && r == a ? "throughput" : "", r.clients + " client" + (r.clients > 1 ? "s" : "")
                        + ": aggregate generated tok/s", String.format(Locale.ROOT,
                        "%.2f  (%d tokens in %.1f s, TTFT max %.2f s, then %.1f tok/s%s)", r.tokS, r.tokens, r.wall,
                        r.ttftMax, r.decodeTokS,
                        r.short_ > 0 ? ", " + r.short_ + " stopped early" : ""), "");
            }
            one = one == null || a.tokS > one.tokS ? a : one;
            many = many == null || b.tokS > many.tokS ? b : many;
        }
        double ratio = many.tokS / one.tokS;
        Report.row("", Options.clientsMany + " clients / 1 client" + (Options.reps > 1 ? " (best rounds)" : ""),
                String.format(Locale.ROOT, "%.2fx", ratio),
                Report.check("throughput", String.format(Locale.ROOT, ">= %.1fx", Options.minRatio),
                        ratio >= Options.minRatio));
    }

    static void ttft() throws Exception {
        System.err.println("bench/load: ttft: a " + Options.longPrompt + "-token prompt, short requests every "
                + Options.interval
                + " s while it is in prefill ...");
        Map<String, Double> m0 = Server.metrics();
        long m0Nanos = System.nanoTime();
        String longBody = Requests.streamed(Options.longPrompt, 4);
        StreamResult lr = new StreamResult();
        Thread longT = Thread.ofVirtual().start(() -> Http.stream("/v1/completions", longBody, 600_000, lr));
        // Wait until the long request is in a slot (prefilling), so that every short one overlaps it.
        long waitUntil = System.nanoTime() + 30_000_000_000L;
        while (Server.metrics().getOrDefault("llama3j_requests_running", 0.0) < 1 && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        List<StreamResult> shorts = new CopyOnWriteArrayList<>();
        List<Thread> ts = new ArrayList<>();
        long next = System.nanoTime();
        long limit = System.nanoTime() + 600_000_000_000L;
        // The long request's first token ends its prefill.
        AtomicInteger inFlight = new AtomicInteger();
        int heldBack = 0;
        while (longT.isAlive() && lr.firstTokenNanos == 0 && System.nanoTime() < limit) {
            if (inFlight.get() >= Options.shortConcurrency) {
                // A server slower than the arrival rate would queue short requests behind each other:
                // that measures the queue, not the long prompt's effect on them. Skip this tick.
                heldBack++;
            } else {
                String body = Requests.streamed(16, Options.shortTokens);
                inFlight.incrementAndGet();
                ts.add(Thread.ofVirtual().start(() -> {
                    try {
                        shorts.add(Http.stream("/v1/completions", body, 600_000));
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }));
            }
            next += (long) (Options.interval * 1e9);
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        longT.join();
        for (Thread t : ts) {
            t.join();
        }
        Map<String, Double> m1 = Server.metrics();
        long m1Nanos = System.nanoTime();
        if (lr.error != null) {
            Report.check("ttft", "long request failed: " + lr.error, false);
            return;
        }
        List<Double> tt = new ArrayList<>();
        double maxGap = 0;
        for (StreamResult s : shorts) {
            if (s.error != null) {
                Report.check("ttft", "short request failed: " + s.error, false);
                continue;
            }
            tt.add(s.ttft());
            for (int i = 1; i < s.tokenTimes.size(); i++) {
                maxGap = Math.max(maxGap, (s.tokenTimes.get(i) - s.tokenTimes.get(i - 1)) / 1e9);
            }
        }
        Collections.sort(tt);
        double prefill = lr.ttft();
        double passes = m1.getOrDefault("llama3j_forward_passes_total", 0.0)
                - m0.getOrDefault("llama3j_forward_passes_total", 0.0);
        Report.row("ttft", Options.longPrompt + "-token prompt: time to first token", String.format(Locale.ROOT,
                "%.1f s (%.1f prompt tok/s with the short requests beside it)", prefill, Options.longPrompt / prefill), "");
        Report.row("", "forward passes in the scenario", String.format(Locale.ROOT, "%.0f (mean %.2f s each)", passes,
                (m1Nanos - m0Nanos) / 1e9 / Math.max(1, passes)), "");
        if (tt.isEmpty()) {
            Report.row("", "short requests during the prefill", "0", Report.check("ttft", "at least 1", false));
            return;
        }
        Report.row("", "short requests during the prefill (ticks held back)", tt.size() + " (" + heldBack + ")", "");
        Report.row("", "short requests: max gap between tokens", String.format(Locale.ROOT, "%.2f s", maxGap), "");
        double median = tt.get(tt.size() / 2);
        double max = tt.get(tt.size() - 1);
        Report.row("", "short requests: TTFT median / max", String.format(Locale.ROOT, "%.2f s / %.2f s", median, max),
                Report.check("ttft", String.format(Locale.ROOT, "max < %.1f s", Options.maxTtft), max < Options.maxTtft));
    }
}
