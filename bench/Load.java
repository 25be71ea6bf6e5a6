// bench/load — load test of `llama3j serve` (issue 6): throughput, time to first token under a long
// prompt, and a soak with random cancellations. Run by hand, not by CI; numbers are only meaningful
// on a quiet machine (the table prints the load average before and after).
//
//   bench/load                          # throughput + ttft on the 1B-shaped Q4_0 synthetic model
//   bench/load --soak                   # also the 120 s soak of 64 clients
//   bench/load --only soak --duration 30
//   bench/load --model some.gguf --threads 4 --parallel 8
//
// It starts `bin/llama3j serve --host 127.0.0.1 --port 0 --parallel P --threads T` itself (loopback
// only; the server picks a free port), waits for /health, runs the scenarios, prints a table and
// stops the server, also on Ctrl-C or an error. Every request has a timeout and the whole run a
// deadline (--max-minutes), so it always ends. Exit status: 0 all checks pass, 1 a check failed,
// 2 bad usage or the server did not start, 3 the run hit its deadline. The server's log goes to
// bench/.cache/load-server.log.
//
// Default model: bench/.cache/models/1b-q4_0.gguf (random weights, Llama-3.2-1B shape); when missing
// it is written with `bin/llama3j bench --write-synthetic FILE --shape 1b --type q4_0` (~35 s).
// Build first: ./mvnw -q -DskipTests install
//
// Scenarios (--only throughput,ttft,soak; default throughput,ttft, plus soak with --soak):
//   throughput  1 streaming client, then C concurrent ones (--clients-many, default 8), each
//               generating --tokens tokens (default 64) from its own 32-token prompt (random ids,
//               so no prefix is reused) on /v1/completions, greedy; tokens counted from the stream's
//               usage chunk. Aggregate generated tokens/s = all tokens / wall time of the round.
//               Check: many/1 >= --min-ratio (default 4).
//   ttft        one streaming request with a --long-prompt (default 2000) token prompt; while it is
//               in prefill (until its first token), a short request (16-token prompt, --short-tokens
//               tokens, default 4) every --interval seconds (default 0.5; at most --short-concurrency
//               in flight); their time to first streamed token, median and max. Also shown: the long
//               prompt's own prefill time, and the forward passes (steps) meanwhile with their mean
//               length: a request that arrives waits for the step under way, then for its own step,
//               so its TTFT is about 2 steps.
//               Check: max < --max-ttft seconds (default 2).
//   soak        --soak-clients (default 64) clients in a loop for --duration seconds (default 120):
//               chat and text completions, streaming and not, random prompt and output lengths,
//               --cancel (default 0.3) of them closed at a random moment. Checks: only 200 and 429
//               (with Retry-After) come back, no error chunk, every uncancelled stream ends with
//               [DONE]; afterwards /metrics returns to 0 running and 0 waiting; the server's RSS
//               (VmRSS, sampled every --rss-every seconds) peaks in the second half of the soak and the
//               drain at most 10% above its peak in the first half (a leak grows; a warm heap does
//               not). No new request starts after --duration; the clients' last ones run to their end
//               (on 2 cores, with 64 clients queued for 8 slots, that drain takes minutes).
//
// Options:
//   --model PATH          GGUF or model folder (default bench/.cache/models/1b-q4_0.gguf)
//   --threads N           server worker threads (default 2)
//   --parallel N          server slots (default 8)
//   --batch-size N        server tokens per forward pass (serve's -b; default: serve's own)
//   --only LIST           scenarios to run, comma-separated
//   --soak                add the soak to the default scenarios
//   --tokens N            tokens per throughput request (default 64)
//   --clients-many N      concurrent clients of the second throughput round (default 8)
//   --reps N              throughput: alternate the two rounds N times, compare the best of each
//                         (default 1; more on a machine that other work shares)
//   --min-ratio X         throughput check (default 4)
//   --long-prompt N       ttft long prompt length (default 2000)
//   --interval S          ttft: seconds between short requests (default 0.5)
//   --short-tokens N      ttft: tokens each short request generates (default 4)
//   --short-concurrency N ttft: most short requests in flight; a tick that finds this many is held
//                         back, so that a slow machine measures the prefill's effect, not a queue
//                         of short requests (default 4)
//   --max-ttft S          ttft check (default 2)
//   --duration S          soak length (default 120)
//   --soak-clients N      soak concurrency (default 64)
//   --cancel P            soak: share of requests cancelled (default 0.3)
//   --rss-every S         soak: RSS sampling period (default 5)
//   --seed N              random seed (default 42)
//   --max-minutes M       deadline for the whole run (default 40)
//   --server-arg ARG      extra argument for `llama3j serve` (repeatable)
//   -h, --help            this text

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public class Load {
    static final String HOST = "127.0.0.1";
    static final Path ROOT = Path.of(System.getProperty("load.root", ".")).toAbsolutePath().normalize();
    static final Path DEFAULT_MODEL = ROOT.resolve("bench/.cache/models/1b-q4_0.gguf");
    static final int BOS = 128000;

    // ------------------------------------------------------------------ options

    static Path model = DEFAULT_MODEL;
    static int threads = 2;
    static int parallel = 8;
    static int batchSize = 0;
    static int shortTokens = 4;
    static int shortConcurrency = 4;
    static Set<String> scenarios = new LinkedHashSet<>(List.of("throughput", "ttft"));
    static int tokens = 64;
    static int reps = 1;
    static int clientsMany = 8;
    static double minRatio = 4;
    static int longPrompt = 2000;
    static double interval = 0.5;
    static double maxTtft = 2;
    static double duration = 120;
    static int soakClients = 64;
    static double cancelShare = 0.3;
    static double rssEvery = 5;
    static long seed = 42;
    static double maxMinutes = 40;
    static List<String> serverArgs = new ArrayList<>();

    // ------------------------------------------------------------------ state

    static volatile Process server;
    static volatile int port;
    static String modelId = "";
    static final List<String[]> table = new ArrayList<>();
    static final AtomicBoolean failed = new AtomicBoolean();
    static final Path LOG = ROOT.resolve("bench/.cache/load-server.log");

    public static void main(String[] args) throws Exception {
        try {
            parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/load: " + e.getMessage() + " (see --help)");
            System.exit(2);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Load::stopServer, "load-stop-server"));
        Thread deadline = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep((long) (maxMinutes * 60_000));
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("bench/load: the run passed its deadline of " + maxMinutes + " minutes; stopping");
            Runtime.getRuntime().halt(haltAfterStop(3));
        });
        int rc;
        try {
            rc = run();
        } catch (SetupException e) {
            System.err.println("bench/load: " + e.getMessage());
            rc = 2;
        } finally {
            stopServer();
        }
        deadline.interrupt();
        System.exit(rc);
    }

    static int haltAfterStop(int rc) {
        stopServer();
        return rc;
    }

    static int run() throws Exception {
        String load0 = loadAverage();
        ensureModel();
        startServer();
        modelId = modelId();
        row("server", "model / slots / threads / batch", model.getFileName() + " / " + parallel + " / " + threads
                + " / " + (batchSize > 0 ? Integer.toString(batchSize) : "default"), "");
        row("", "load average at start (" + Runtime.getRuntime().availableProcessors() + " cores)", load0, "");
        row("", "server RSS after load", mib(rssKb()), "");
        warmup();
        if (scenarios.contains("throughput")) {
            throughput();
        }
        if (scenarios.contains("ttft")) {
            ttft();
        }
        if (scenarios.contains("soak")) {
            soak();
        }
        row("", "load average at end", loadAverage(), "");
        printTable();
        System.out.println(failed.get() ? "bench/load: FAILED (see the checks above)" : "bench/load: all checks passed");
        return failed.get() ? 1 : 0;
    }

    static void parseArgs(String[] a) {
        boolean soakFlag = false;
        String only = null;
        for (int i = 0; i < a.length; i++) {
            String o = a[i];
            if (o.equals("-h") || o.equals("--help")) {
                help();
                System.exit(0);
            }
            if (i + 1 >= a.length && !o.equals("--soak")) {
                throw new IllegalArgumentException("unknown option or missing value: " + o);
            }
            switch (o) {
                case "--soak" -> soakFlag = true;
                case "--model" -> model = Path.of(a[++i]).toAbsolutePath();
                case "--threads" -> threads = posInt(o, a[++i]);
                case "--parallel" -> parallel = posInt(o, a[++i]);
                case "--batch-size" -> batchSize = posInt(o, a[++i]);
                case "--short-tokens" -> shortTokens = posInt(o, a[++i]);
                case "--short-concurrency" -> shortConcurrency = posInt(o, a[++i]);
                case "--only" -> only = a[++i];
                case "--tokens" -> tokens = posInt(o, a[++i]);
                case "--reps" -> reps = posInt(o, a[++i]);
                case "--clients-many" -> clientsMany = posInt(o, a[++i]);
                case "--min-ratio" -> minRatio = posNum(o, a[++i]);
                case "--long-prompt" -> longPrompt = posInt(o, a[++i]);
                case "--interval" -> interval = posNum(o, a[++i]);
                case "--max-ttft" -> maxTtft = posNum(o, a[++i]);
                case "--duration" -> duration = posNum(o, a[++i]);
                case "--soak-clients" -> soakClients = posInt(o, a[++i]);
                case "--cancel" -> cancelShare = Double.parseDouble(a[++i]);
                case "--rss-every" -> rssEvery = posNum(o, a[++i]);
                case "--seed" -> seed = Long.parseLong(a[++i]);
                case "--max-minutes" -> maxMinutes = posNum(o, a[++i]);
                case "--server-arg" -> serverArgs.add(a[++i]);
                default -> throw new IllegalArgumentException("unknown option " + o);
            }
        }
        if (only != null) {
            scenarios.clear();
            for (String s : only.split(",")) {
                if (!Set.of("throughput", "ttft", "soak").contains(s.trim())) {
                    throw new IllegalArgumentException("--only takes throughput, ttft and soak, not " + s);
                }
                scenarios.add(s.trim());
            }
        }
        if (soakFlag) {
            scenarios.add("soak");
        }
        if (cancelShare < 0 || cancelShare > 1) {
            throw new IllegalArgumentException("--cancel must be between 0 and 1");
        }
    }

    static int posInt(String o, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(o + " must be at least 1");
        }
        return n;
    }

    static double posNum(String o, String v) {
        double d = Double.parseDouble(v);
        if (!(d > 0)) {
            throw new IllegalArgumentException(o + " must be positive");
        }
        return d;
    }

    static void help() {
        try {
            for (String l : Files.readAllLines(ROOT.resolve("bench/Load.java"))) {
                if (!l.startsWith("//")) {
                    break;
                }
                System.out.println(l.length() > 3 ? l.substring(3) : "");
            }
        } catch (IOException e) {
            System.out.println("see bench/Load.java");
        }
    }

    // ------------------------------------------------------------------ server

    static final class SetupException extends RuntimeException {
        SetupException(String m) {
            super(m);
        }
    }

    static void ensureModel() throws Exception {
        if (Files.exists(model)) {
            return;
        }
        if (!model.equals(DEFAULT_MODEL)) {
            throw new SetupException(model + ": no such model");
        }
        Files.createDirectories(model.getParent());
        System.err.println("bench/load: writing the synthetic model " + ROOT.relativize(model) + " (once)");
        Process p = new ProcessBuilder(ROOT.resolve("bin/llama3j").toString(), "bench", "--write-synthetic",
                model.toString(), "--shape", "1b", "--type", "q4_0").inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            Files.deleteIfExists(model);
            throw new SetupException("could not write the synthetic model");
        }
    }

    static void startServer() throws Exception {
        Files.createDirectories(LOG.getParent());
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/llama3j").toString(), "serve", "--model",
                model.toString(), "--host", HOST, "--port", "0", "--parallel", Integer.toString(parallel),
                "--threads", Integer.toString(threads), "--shutdown-grace", "2"));
        if (batchSize > 0) {
            cmd.addAll(List.of("--batch-size", Integer.toString(batchSize)));
        }
        cmd.addAll(serverArgs);
        System.err.println("bench/load: starting " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p = pb.start();
        server = p;
        pidFile(p.pid());
        AtomicInteger found = new AtomicInteger();
        Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = p.getInputStream(); OutputStream log = Files.newOutputStream(LOG)) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    log.write(b);
                    if (b == '\n') {
                        log.flush();
                        String l = line.toString();
                        int at = l.indexOf(" at http://" + HOST + ":");
                        if (l.startsWith("llama3j serving") && at >= 0 && found.get() == 0) {
                            String rest = l.substring(at + (" at http://" + HOST + ":").length());
                            found.set(Integer.parseInt(rest.substring(0, rest.indexOf('/'))));
                        }
                        line.setLength(0);
                    } else {
                        line.append((char) b);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the server is gone
            }
        });
        long until = System.nanoTime() + 300_000_000_000L;
        while (found.get() == 0) {
            if (!p.isAlive()) {
                throw new SetupException("the server exited with status " + p.exitValue() + " before serving; its log ("
                        + LOG + "):\n" + tail(LOG));
            }
            if (System.nanoTime() > until) {
                throw new SetupException("the server did not start within 300 s; its log:\n" + tail(LOG));
            }
            Thread.sleep(100);
        }
        port = found.get();
        while (true) {
            try {
                Resp r = request("GET", "/health", null, 5_000);
                if (r.status == 200) {
                    break;
                }
            } catch (IOException e) {
                // not yet
            }
            if (System.nanoTime() > until || !p.isAlive()) {
                throw new SetupException("/health did not answer 200; the server log:\n" + tail(LOG));
            }
            Thread.sleep(200);
        }
        System.err.println("bench/load: server pid " + p.pid() + " ready at http://" + HOST + ":" + port);
    }

    /** For bench/load's trap: the shell kills this pid if the Java side could not. */
    static void pidFile(long pid) {
        String f = System.getenv("LOAD_PIDFILE");
        if (f != null && !f.isEmpty()) {
            try {
                Files.writeString(Path.of(f), Long.toString(pid));
            } catch (IOException e) {
                // the trap is only a second line of defence
            }
        }
    }

    static synchronized void stopServer() {
        Process p = server;
        if (p == null) {
            return;
        }
        server = null;
        if (p.isAlive()) {
            System.err.println("bench/load: stopping the server (pid " + p.pid() + ")");
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    static String tail(Path f) {
        try {
            List<String> l = Files.readAllLines(f);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static String modelId() throws IOException {
        Resp r = request("GET", "/v1/models", null, 10_000);
        Object id = path(Json.parse(r.body), "data", 0, "id");
        if (r.status != 200 || !(id instanceof String s)) {
            throw new SetupException("/v1/models answered " + r.status + ": " + r.body);
        }
        return s;
    }

    static long rssKb() {
        Process p = server;
        if (p == null) {
            return -1;
        }
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    static Map<String, Double> metrics() throws IOException {
        Resp r = request("GET", "/metrics", null, 10_000);
        Map<String, Double> m = new TreeMap<>();
        for (String l : r.body.split("\n")) {
            if (l.startsWith("#") || l.isBlank()) {
                continue;
            }
            int sp = l.lastIndexOf(' ');
            try {
                m.put(l.substring(0, sp), Double.parseDouble(l.substring(sp + 1)));
            } catch (RuntimeException e) {
                // not a sample line
            }
        }
        return m;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    // ------------------------------------------------------------------ requests

    static Random rng = new Random(42);

    /** A prompt of token ids: BOS, then random ordinary tokens, so no two prompts share a prefix. */
    static synchronized List<Integer> randomPrompt(int length) {
        List<Integer> p = new ArrayList<>(length);
        p.add(BOS);
        for (int i = 1; i < length; i++) {
            p.add(1000 + rng.nextInt(120_000));
        }
        return p;
    }

    static String completionBody(List<Integer> prompt, int maxTokens, boolean stream) {
        StringBuilder sb = new StringBuilder(prompt.size() * 7 + 200);
        sb.append("{\"model\":").append(Json.quote(modelId)).append(",\"prompt\":[");
        for (int i = 0; i < prompt.size(); i++) {
            sb.append(i > 0 ? "," : "").append(prompt.get(i));
        }
        sb.append("],\"max_tokens\":").append(maxTokens).append(",\"temperature\":0");
        if (stream) {
            sb.append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
        }
        return sb.append('}').toString();
    }

    /** What one streamed request saw. */
    static final class StreamResult {
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
    }

    /** Streams one request to its end (or until {@code conn} is closed from outside). */
    static StreamResult stream(String path, String body, Conn conn, int readTimeoutMs) {
        return stream(path, body, conn, readTimeoutMs, new StreamResult());
    }

    static StreamResult stream(String path, String body, Conn conn, int readTimeoutMs, StreamResult r) {
        r.startNanos = System.nanoTime();
        try {
            Head h = conn.send("POST", path, body, readTimeoutMs);
            r.status = h.status;
            r.retryAfter = h.headers.get("retry-after");
            if (h.status != 200) {
                r.error = "HTTP " + h.status + ": " + new String(h.body.readAllBytes(), StandardCharsets.UTF_8);
                return r;
            }
            StringBuilder line = new StringBuilder();
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            int b;
            InputStream in = h.body;
            while ((b = in.read()) >= 0) {
                if (b != '\n') {
                    raw.write(b);
                    continue;
                }
                String l = raw.toString(StandardCharsets.UTF_8);
                raw.reset();
                if (!l.startsWith("data: ")) {
                    continue;
                }
                String data = l.substring(6);
                if (data.equals("[DONE]")) {
                    r.done = true;
                    continue;
                }
                Object j = Json.parse(data);
                if (path(j, "error") != null) {
                    r.error = "error chunk: " + data;
                    continue;
                }
                Object usage = path(j, "usage", "completion_tokens");
                if (usage instanceof Number n) {
                    r.completionTokens = n.intValue();
                }
                Object choice = path(j, "choices", 0);
                if (choice != null) {
                    Object text = path(choice, "text");
                    Object delta = path(choice, "delta", "content");
                    Object tools = path(choice, "delta", "tool_calls");
                    boolean token = (text instanceof String s && !s.isEmpty()) || (delta instanceof String d && !d.isEmpty())
                            || tools != null || path(choice, "finish_reason") instanceof String;
                    if (token) {
                        long now = System.nanoTime();
                        if (r.firstTokenNanos == 0) {
                            r.firstTokenNanos = now;
                        }
                        r.tokenTimes.add(now);
                        r.chunks++;
                    }
                }
            }
            if (!r.done && r.error == null) {
                r.error = "the stream ended without [DONE]";
            }
        } catch (IOException | RuntimeException e) {
            if (r.error == null) {
                r.error = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        } finally {
            r.endNanos = System.nanoTime();
            conn.close();
        }
        return r;
    }

    // ------------------------------------------------------------------ scenarios

    static void warmup() throws Exception {
        System.err.println("bench/load: warming up (JIT) ...");
        long t0 = System.nanoTime();
        // One request alone, then a full batch with a longer prompt, so every kernel path is compiled.
        StreamResult one = stream("/v1/completions", completionBody(randomPrompt(32), 16, true), new Conn(), 600_000);
        if (one.error != null) {
            throw new SetupException("warm-up request failed: " + one.error);
        }
        List<StreamResult> many = concurrent(parallel, i -> completionBody(randomPrompt(i == 0 ? 300 : 32), 8, true));
        for (StreamResult r : many) {
            if (r.error != null) {
                throw new SetupException("warm-up request failed: " + r.error);
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
            ts.add(Thread.ofVirtual().start(() -> out[c] = stream("/v1/completions", b.get(c), new Conn(), 600_000)));
        }
        for (Thread t : ts) {
            t.join();
        }
        return Arrays.asList(out);
    }

    /** {@code decodeTokS}: tokens after the first ones, over the time from the last first token to the end. */
    record Round(int clients, long tokens, double wall, double tokS, double ttftMax, int short_, double decodeTokS) {}

    static Round round(int clients) throws InterruptedException {
        List<StreamResult> rs = concurrent(clients, i -> completionBody(randomPrompt(32), tokens, true));
        long start = Long.MAX_VALUE;
        long end = 0;
        long sum = 0;
        double ttftMax = 0;
        int shortCount = 0;
        long lastFirst = 0;
        for (StreamResult r : rs) {
            if (r.error != null) {
                check("throughput", "request failed: " + r.error, false);
                continue;
            }
            start = Math.min(start, r.startNanos);
            end = Math.max(end, r.endNanos);
            int n = r.completionTokens >= 0 ? r.completionTokens : r.chunks;
            if (n < tokens) {
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
        System.err.println("bench/load: throughput: 1 client, then " + clientsMany + " clients, " + tokens
                + " tokens each ...");
        // Alternating rounds; the best of each is compared (a busy machine only ever slows a round down).
        Round one = null;
        Round many = null;
        for (int rep = 0; rep < reps; rep++) {
            Round a = round(1);
            Round b = round(clientsMany);
            for (Round r : List.of(a, b)) {
                row(rep == 0 && r == a ? "throughput" : "", r.clients + " client" + (r.clients > 1 ? "s" : "")
                        + ": aggregate generated tok/s", String.format(Locale.ROOT,
                        "%.2f  (%d tokens in %.1f s, TTFT max %.2f s, then %.1f tok/s%s)", r.tokS, r.tokens, r.wall,
                        r.ttftMax, r.decodeTokS,
                        r.short_ > 0 ? ", " + r.short_ + " stopped early" : ""), "");
            }
            one = one == null || a.tokS > one.tokS ? a : one;
            many = many == null || b.tokS > many.tokS ? b : many;
        }
        double ratio = many.tokS / one.tokS;
        row("", clientsMany + " clients / 1 client" + (reps > 1 ? " (best rounds)" : ""),
                String.format(Locale.ROOT, "%.2fx", ratio),
                check("throughput", String.format(Locale.ROOT, ">= %.1fx", minRatio), ratio >= minRatio));
    }

    static void ttft() throws Exception {
        System.err.println("bench/load: ttft: a " + longPrompt + "-token prompt, short requests every " + interval
                + " s while it is in prefill ...");
        Map<String, Double> m0 = metrics();
        long m0Nanos = System.nanoTime();
        String longBody = completionBody(randomPrompt(longPrompt), 4, true);
        StreamResult lr = new StreamResult();
        Thread longT = Thread.ofVirtual().start(() -> stream("/v1/completions", longBody, new Conn(), 600_000, lr));
        // Wait until the long request is in a slot (prefilling), so that every short one overlaps it.
        long waitUntil = System.nanoTime() + 30_000_000_000L;
        while (metrics().getOrDefault("llama3j_requests_running", 0.0) < 1 && System.nanoTime() < waitUntil) {
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
            if (inFlight.get() >= shortConcurrency) {
                // A server slower than the arrival rate would queue short requests behind each other:
                // that measures the queue, not the long prompt's effect on them. Skip this tick.
                heldBack++;
            } else {
                String body = completionBody(randomPrompt(16), shortTokens, true);
                inFlight.incrementAndGet();
                ts.add(Thread.ofVirtual().start(() -> {
                    try {
                        shorts.add(stream("/v1/completions", body, new Conn(), 600_000));
                    } finally {
                        inFlight.decrementAndGet();
                    }
                }));
            }
            next += (long) (interval * 1e9);
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        longT.join();
        for (Thread t : ts) {
            t.join();
        }
        Map<String, Double> m1 = metrics();
        long m1Nanos = System.nanoTime();
        if (lr.error != null) {
            check("ttft", "long request failed: " + lr.error, false);
            return;
        }
        List<Double> tt = new ArrayList<>();
        double maxGap = 0;
        for (StreamResult s : shorts) {
            if (s.error != null) {
                check("ttft", "short request failed: " + s.error, false);
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
        row("ttft", longPrompt + "-token prompt: time to first token", String.format(Locale.ROOT,
                "%.1f s (%.1f prompt tok/s with the short requests beside it)", prefill, longPrompt / prefill), "");
        row("", "forward passes in the scenario", String.format(Locale.ROOT, "%.0f (mean %.2f s each)", passes,
                (m1Nanos - m0Nanos) / 1e9 / Math.max(1, passes)), "");
        if (tt.isEmpty()) {
            row("", "short requests during the prefill", "0", check("ttft", "at least 1", false));
            return;
        }
        row("", "short requests during the prefill (ticks held back)", tt.size() + " (" + heldBack + ")", "");
        row("", "short requests: max gap between tokens", String.format(Locale.ROOT, "%.2f s", maxGap), "");
        double median = tt.get(tt.size() / 2);
        double max = tt.get(tt.size() - 1);
        row("", "short requests: TTFT median / max", String.format(Locale.ROOT, "%.2f s / %.2f s", median, max),
                check("ttft", String.format(Locale.ROOT, "max < %.1f s", maxTtft), max < maxTtft));
    }

    // ------------------------------------------------------------------ soak

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

    static void soak() throws Exception {
        System.err.printf(Locale.ROOT, "bench/load: soak: %d clients for %.0f s, %.0f%% cancelled ...%n", soakClients,
                duration, cancelShare * 100);
        SoakStats st = new SoakStats();
        ScheduledExecutorService cancels = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-cancel");
            t.setDaemon(true);
            return t;
        });
        List<long[]> rss = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + (long) (duration * 1e9);
        rss.add(new long[] {0, rssKb()});
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep((long) (rssEvery * 1000));
                    rss.add(new long[] {System.nanoTime() - t0, rssKb()});
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < soakClients; c++) {
            Random r = new Random(seed * 1000 + c);
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
        Map<String, Double> m = metrics();
        while ((m.getOrDefault("llama3j_requests_running", -1.0) != 0
                || m.getOrDefault("llama3j_requests_waiting", -1.0) != 0)
                && System.nanoTime() - settleStart < 120_000_000_000L) {
            Thread.sleep(500);
            m = metrics();
        }
        double settle = (System.nanoTime() - settleStart) / 1e9;
        Thread.sleep(2000);
        m = metrics();
        sampler.interrupt();
        sampler.join();
        rss.add(new long[] {System.nanoTime() - t0, rssKb()});
        cancels.shutdownNow();

        row("soak", "clients / duration (until the last request ended)", String.format(Locale.ROOT,
                "%d / %.0f s (%.0f s)", soakClients, duration, ran), "");
        row("", "requests / completed / cancelled by the client", st.requests + " / " + st.completed + " / "
                + st.cancelled, "");
        row("", "generated tokens (completed requests) / tok/s", String.format(Locale.ROOT, "%d / %.1f",
                st.tokens.get(), st.tokens.get() / ran), "");
        StringBuilder codes = new StringBuilder();
        boolean onlyOk = true;
        for (var e : new TreeMap<>(st.status).entrySet()) {
            codes.append(codes.isEmpty() ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue());
            onlyOk &= e.getKey().equals("200") || e.getKey().equals("429");
        }
        row("", "HTTP status codes", codes.toString(), check("soak", "only 200, 429", onlyOk));
        row("", "429 without Retry-After", Long.toString(st.retryAfterMissing.get()),
                check("soak", "0", st.retryAfterMissing.get() == 0));
        row("", "errors (failed requests, error chunks, no [DONE])", Long.toString(st.errors.get()),
                check("soak", "0", st.errors.get() == 0));
        for (String e : st.errorSamples) {
            row("", "  e.g.", e, "");
        }
        double running = m.getOrDefault("llama3j_requests_running", -1.0);
        double waiting = m.getOrDefault("llama3j_requests_waiting", -1.0);
        row("", "after the soak: running / waiting sequences", String.format(Locale.ROOT,
                "%.0f / %.0f (zero after %.1f s)", running, waiting, settle), check("soak", "0 / 0",
                running == 0 && waiting == 0));
        row("", "server: cancelled / client disconnects / rejected", String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
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
            if (s[0] <= duration * 1e9 / 2) {
                firstHalf = Math.max(firstHalf, s[1]);
            } else {
                rest = Math.max(rest, s[1]);
            }
        }
        row("", "server RSS start / end / max (" + rss.size() + " samples)", mib(start) + " / " + mib(last) + " / "
                + mib(max), "");
        StringBuilder trend = new StringBuilder();
        for (int i = 0; i < 8 && rss.size() > 1; i++) {
            long[] s = rss.get((int) Math.round(i * (rss.size() - 1) / 7.0));
            trend.append(trend.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0fs %.0f", s[0] / 1e9,
                    s[1] / 1024.0));
        }
        row("", "server RSS trend (MiB)", trend.toString(), "");
        boolean stable = rest <= firstHalf * 1.10;
        row("", "server RSS peak: 1st half / after (2nd half, drain)", mib(firstHalf) + " / " + mib(rest),
                check("soak", "after <= 1st half + 10%", stable));
    }

    static void soakRequest(Random r, SoakStats st, ScheduledExecutorService cancels) {
        boolean chat = r.nextBoolean();
        boolean streamIt = r.nextBoolean();
        boolean cancel = r.nextDouble() < cancelShare;
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
            body = "{\"model\":" + Json.quote(modelId) + ",\"messages\":[" + (r.nextBoolean()
                    ? "{\"role\":\"system\",\"content\":" + Json.quote(SYSTEM) + "}," : "")
                    + "{\"role\":\"user\",\"content\":" + Json.quote(text.toString()) + "}],\"max_tokens\":" + maxTokens
                    + ",\"temperature\":" + String.format(Locale.ROOT, "%.2f", r.nextDouble())
                    + ",\"seed\":" + r.nextInt(1_000_000)
                    + (streamIt ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
        } else {
            List<Integer> prompt = new ArrayList<>();
            prompt.add(BOS);
            int len = 4 + r.nextInt(200);
            for (int i = 1; i < len; i++) {
                prompt.add(1000 + r.nextInt(120_000));
            }
            path = "/v1/completions";
            body = completionBody(prompt, maxTokens, streamIt);
        }
        st.requests.incrementAndGet();
        Conn conn = new Conn();
        AtomicBoolean cancelledByUs = new AtomicBoolean();
        if (cancel) {
            // A random moment: queued, in prefill, or mid-stream.
            long afterMs = r.nextInt(8000);
            cancels.schedule(() -> {
                cancelledByUs.set(true);
                conn.close();
            }, afterMs, TimeUnit.MILLISECONDS);
        }
        if (streamIt) {
            StreamResult s = stream(path, body, conn, 300_000);
            if (cancelledByUs.get() && (s.error != null || !s.done)) {
                if (s.status != 0) {
                    st.status(s.status);
                }
                st.cancelled.incrementAndGet();
                return;
            }
            conn.close();
            account(st, s.status, s.retryAfter, s.error, s.completionTokens);
        } else {
            int status = 0;
            String retryAfter = null;
            String error = null;
            int completion = -1;
            try {
                Head h = conn.send("POST", path, body, 300_000);
                status = h.status;
                retryAfter = h.headers.get("retry-after");
                String text = new String(h.body.readAllBytes(), StandardCharsets.UTF_8);
                if (status == 200) {
                    Object j = Json.parse(text);
                    Object n = path(j, "usage", "completion_tokens");
                    if (!(n instanceof Number) || path(j, "choices", 0, "finish_reason") == null) {
                        error = "a 200 without usage or finish_reason: " + text;
                    } else {
                        completion = ((Number) n).intValue();
                    }
                } else if (status != 429) {
                    error = "HTTP " + status + ": " + text;
                }
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

    // ------------------------------------------------------------------ output

    static void row(String scenario, String metric, String value, String check) {
        synchronized (table) {
            table.add(new String[] {scenario, metric, value, check});
        }
    }

    static String check(String scenario, String what, boolean ok) {
        if (!ok) {
            failed.set(true);
            if (what.startsWith("request failed") || what.startsWith("long request") || what.startsWith("short request")) {
                row(scenario, "ERROR", what, "FAIL");
            }
        }
        return what + "  " + (ok ? "PASS" : "FAIL");
    }

    static void printTable() {
        int[] w = new int[4];
        for (String[] r : table) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        String fmt = "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %s%n";
        System.out.println();
        System.out.printf(fmt, "scenario", "metric", "value", "check");
        System.out.println("-".repeat(w[0] + w[1] + w[2] + Math.max(w[3], 5) + 6));
        for (String[] r : table) {
            System.out.printf(fmt, (Object[]) r);
        }
        System.out.println();
    }

    static String mib(long kb) {
        return kb < 0 ? "?" : String.format(Locale.ROOT, "%.0f MiB", kb / 1024.0);
    }

    // ------------------------------------------------------------------ HTTP/1.1 over a socket

    /**
     * One request on its own loopback connection ({@code Connection: close}). A plain socket, so that
     * closing it from another thread is exactly a client going away mid-request.
     */
    static final class Conn {
        private final Socket socket = new Socket();
        private volatile boolean closed;

        Head send(String method, String path, String body, int readTimeoutMs) throws IOException {
            if (closed) {
                throw new IOException("closed before sending");
            }
            socket.connect(new InetSocketAddress(HOST, port), 10_000);
            socket.setSoTimeout(readTimeoutMs);
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + HOST + ":" + port + "\r\nConnection: close\r\n"
                    + (body != null ? "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n" : "")
                    + "Accept: */*\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String status = readLine(in);
            if (status == null || !status.startsWith("HTTP/1.")) {
                throw new IOException("no HTTP response (" + status + ")");
            }
            Head h = new Head();
            h.status = Integer.parseInt(status.split(" ")[1]);
            String l;
            while ((l = readLine(in)) != null && !l.isEmpty()) {
                int c = l.indexOf(':');
                if (c > 0) {
                    h.headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
                }
            }
            if ("chunked".equalsIgnoreCase(h.headers.get("transfer-encoding"))) {
                h.body = new Chunked(in);
            } else if (h.headers.containsKey("content-length")) {
                h.body = new Limited(in, Long.parseLong(h.headers.get("content-length")));
            } else {
                h.body = in;
            }
            return h;
        }

        void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException e) {
                // closed
            }
        }
    }

    static final class Head {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        InputStream body;
    }

    record Resp(int status, Map<String, String> headers, String body) {}

    static Resp request(String method, String path, String body, int timeoutMs) throws IOException {
        Conn c = new Conn();
        try {
            Head h = c.send(method, path, body, timeoutMs);
            return new Resp(h.status, h.headers, new String(h.body.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.close();
        }
    }

    static String readLine(InputStream in) throws IOException {
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

    static final class Limited extends InputStream {
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

    static final class Chunked extends InputStream {
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

    // ------------------------------------------------------------------ JSON (just enough)

    static Object path(Object j, Object... keys) {
        for (Object k : keys) {
            if (k instanceof String s && j instanceof Map<?, ?> m) {
                j = m.get(s);
            } else if (k instanceof Integer i && j instanceof List<?> l) {
                j = i < l.size() ? l.get(i) : null;
            } else {
                return null;
            }
        }
        return j;
    }

    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String s) {
            Json p = new Json(s);
            Object v = p.value();
            p.ws();
            if (p.i != s.length()) {
                throw new IllegalArgumentException("trailing text in JSON at " + p.i);
            }
            return v;
        }

        static String quote(String v) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : v.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw new IllegalArgumentException("JSON ends early");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    int st = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                        i++;
                    }
                    if (st == i) {
                        throw new IllegalArgumentException("bad JSON at " + i);
                    }
                    return Double.parseDouble(s.substring(st, i));
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' in JSON at " + i);
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }
    }
}
