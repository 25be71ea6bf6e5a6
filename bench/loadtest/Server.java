import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The `bin/llama3j serve` process under test: started on a free loopback port, always stopped (also
 * from the shutdown hook), and read from outside: /health, /v1/models, /metrics and its RSS.
 */
final class Server {
    static final String HOST = "127.0.0.1";
    static final Path LOG = Options.ROOT.resolve("bench/.cache/load-server.log");

    private static volatile Process process;
    static volatile int port;

    private Server() {}

    /** A reason the run cannot start (exit status 2). */
    static final class SetupException extends RuntimeException {
        SetupException(String m) {
            super(m);
        }
    }

    /** Writes the default synthetic model on first use. */
    static void ensureModel() throws Exception {
        Path model = Options.model;
        if (Files.exists(model)) {
            return;
        }
        if (!model.equals(Options.DEFAULT_MODEL)) {
            throw new SetupException(model + ": no such model");
        }
        Files.createDirectories(model.getParent());
        System.err.println("bench/load: writing the synthetic model " + Options.ROOT.relativize(model) + " (once)");
        Process p = new ProcessBuilder(Options.ROOT.resolve("bin/llama3j").toString(), "bench", "--write-synthetic",
                model.toString(), "--shape", "1b", "--type", "q4_0").inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            Files.deleteIfExists(model);
            throw new SetupException("could not write the synthetic model");
        }
    }

    static void start() throws Exception {
        Files.createDirectories(LOG.getParent());
        List<String> cmd = new ArrayList<>(List.of(Options.ROOT.resolve("bin/llama3j").toString(), "serve", "--model",
                Options.model.toString(), "--host", HOST, "--port", "0", "--parallel",
                Integer.toString(Options.parallel), "--threads", Integer.toString(Options.threads),
                "--shutdown-grace", "2"));
        if (Options.batchSize > 0) {
            cmd.addAll(List.of("--batch-size", Integer.toString(Options.batchSize)));
        }
        cmd.addAll(Options.serverArgs);
        System.err.println("bench/load: starting " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        process = p;
        pidFile(p.pid());
        AtomicInteger found = new AtomicInteger();
        String serving = " at http://" + HOST + ":";
        // Copies the server's output to the log, and picks the port from its "llama3j serving" line.
        Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = p.getInputStream(); OutputStream log = Files.newOutputStream(LOG)) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) >= 0) {
                    log.write(b);
                    if (b == '\n') {
                        log.flush();
                        String l = line.toString();
                        int at = l.indexOf(serving);
                        if (l.startsWith("llama3j serving") && at >= 0 && found.get() == 0) {
                            String rest = l.substring(at + serving.length());
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
                if (Http.get("/health", 5_000).statusCode() == 200) {
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
    private static void pidFile(long pid) {
        String f = System.getenv("LOAD_PIDFILE");
        if (f != null && !f.isEmpty()) {
            try {
                Files.writeString(Path.of(f), Long.toString(pid));
            } catch (IOException e) {
                // the trap is only a second line of defence
            }
        }
    }

    static synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
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

    private static String tail(Path f) {
        try {
            List<String> l = Files.readAllLines(f);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static String modelId() throws IOException {
        HttpResponse<String> r = Http.get("/v1/models", 10_000);
        Object id = Requests.path(Requests.parse(r.body()), "data", 0, "id");
        if (r.statusCode() != 200 || !(id instanceof String s)) {
            throw new SetupException("/v1/models answered " + r.statusCode() + ": " + r.body());
        }
        return s;
    }

    /** The server's resident memory in KiB (Linux), or -1. */
    static long rssKb() {
        Process p = process;
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

    /** The samples of /metrics (Prometheus text) by name and labels. */
    static Map<String, Double> metrics() throws IOException {
        HttpResponse<String> r = Http.get("/metrics", 10_000);
        Map<String, Double> m = new TreeMap<>();
        for (String l : r.body().split("\n")) {
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
}
