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
// Build first: ./mvnw -q -DskipTests package
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


/**
 * The program: parses the options, starts the server, runs the chosen scenarios and prints the table.
 * The files beside it: {@link Options} (the options above), {@link Server} (the `llama3j serve`
 * process and its /health, /metrics, RSS), {@link Http} (requests over {@code java.net.http}),
 * {@link StreamResult} (what one streamed request saw), {@link DisconnectingClient} (a raw socket, for
 * the soak's clients that go away mid-request), {@link Scenarios} (warm-up, throughput, ttft),
 * {@link Soak}, {@link Report} (the table and its checks).
 */
public class Load {
    public static void main(String[] args) throws Exception {
        try {
            Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench/load: " + e.getMessage() + " (see --help)");
            System.exit(2);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Server::stop, "load-stop-server"));
        Thread deadline = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep((long) (Options.maxMinutes * 60_000));
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("bench/load: the run passed its deadline of " + Options.maxMinutes + " minutes; stopping");
            Server.stop();
            Runtime.getRuntime().halt(3);
        });
        int rc;
        try {
            rc = run();
        } catch (Server.SetupException e) {
            System.err.println("bench/load: " + e.getMessage());
            rc = 2;
        } finally {
            Server.stop();
        }
        deadline.interrupt();
        System.exit(rc);
    }

    static int run() throws Exception {
        String load0 = Server.loadAverage();
        Server.ensureModel();
        Server.start();
        Requests.modelId = Server.modelId();
        Report.row("server", "model / slots / threads / batch", Options.model.getFileName() + " / " + Options.parallel
                + " / " + Options.threads + " / " + (Options.batchSize > 0 ? Integer.toString(Options.batchSize)
                : "default"), "");
        Report.row("", "load average at start (" + Runtime.getRuntime().availableProcessors() + " cores)", load0, "");
        Report.row("", "server RSS after load", Report.mib(Server.rssKb()), "");
        Scenarios.warmup();
        if (Options.scenarios.contains("throughput")) {
            Scenarios.throughput();
        }
        if (Options.scenarios.contains("ttft")) {
            Scenarios.ttft();
        }
        if (Options.scenarios.contains("soak")) {
            Soak.run();
        }
        Report.row("", "load average at end", Server.loadAverage(), "");
        Report.print();
        boolean failed = Report.failed();
        System.out.println(failed ? "bench/load: FAILED (see the checks above)" : "bench/load: all checks passed");
        return failed ? 1 : 0;
    }
}
