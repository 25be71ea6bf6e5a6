package dev.llama3j.server;

import dev.llama3j.engine.Engine;
import dev.llama3j.engine.EngineMetrics;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code GET /metrics} in the Prometheus text format (version 0.0.4): the engine's counters,
 * gauges and latency histograms, and the server's HTTP requests by route and status.
 */
final class PrometheusMetrics {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Engine engine;
    private final Map<String, LongAdder> httpRequests = new ConcurrentHashMap<>();
    private final LongAdder clientDisconnects = new LongAdder();

    PrometheusMetrics(Engine engine) {
        this.engine = engine;
    }

    /** Counts one answered HTTP request; {@code route} is the route pattern, not the raw path. */
    void httpRequest(String route, int status) {
        httpRequests.computeIfAbsent(route + '\u0000' + status, k -> new LongAdder()).increment();
    }

    void clientDisconnected() {
        clientDisconnects.increment();
    }

    String render() {
        EngineMetrics m = engine.metrics();
        StringBuilder sb = new StringBuilder(4096);
        counter(sb, "llama3j_requests_total", "Generations accepted by the engine", m.requests.get());
        counter(sb, "llama3j_requests_finished_total", "Generations that ended by a stop or a length limit",
                m.requestsFinished.get());
        counter(sb, "llama3j_requests_cancelled_total", "Generations cancelled (client gone, shutdown)",
                m.requestsCancelled.get());
        counter(sb, "llama3j_requests_failed_total", "Generations that failed", m.requestsFailed.get());
        counter(sb, "llama3j_requests_rejected_total", "Generations refused because the queue was full",
                m.requestsRejected.get());
        counter(sb, "llama3j_prompt_tokens_total", "Prompt tokens of admitted generations", m.promptTokens.get());
        counter(sb, "llama3j_prompt_tokens_cached_total", "Prompt tokens reused from the KV cache",
                m.cachedPromptTokens.get());
        counter(sb, "llama3j_generation_tokens_total", "Generated tokens", m.generatedTokens.get());
        counter(sb, "llama3j_forward_passes_total", "Batched forward passes", m.forwardPasses.get());
        counter(sb, "llama3j_client_disconnects_total", "Streams whose client went away before the end",
                clientDisconnects.sum());
        gauge(sb, "llama3j_requests_waiting", "Generations waiting for a slot", engine.queued());
        gauge(sb, "llama3j_requests_running", "Sequences in slots (prefilling or decoding)", engine.running());
        long[] cache = engine.cacheUsage();
        gauge(sb, "llama3j_kv_cache_used_tokens", "KV cache positions held by running sequences", cache[0]);
        gauge(sb, "llama3j_kv_cache_capacity_tokens", "KV cache positions over all slots", cache[1]);
        gaugeDouble(sb, "llama3j_kv_cache_usage_ratio", "Share of the KV cache in use (0 to 1)",
                cache[1] == 0 ? 0 : (double) cache[0] / cache[1]);
        gauge(sb, "llama3j_kv_cache_bytes", "Bytes of all slots' KV caches", engine.cacheBytes());
        histogram(sb, "llama3j_time_to_first_token_seconds", "Time from submission to the first generated token",
                m.timeToFirstToken);
        histogram(sb, "llama3j_inter_token_latency_seconds", "Time between consecutive generated tokens",
                m.interTokenLatency);
        sb.append("# HELP llama3j_http_requests_total HTTP requests answered, by route and status\n");
        sb.append("# TYPE llama3j_http_requests_total counter\n");
        Map<String, LongAdder> sorted = new TreeMap<>(httpRequests);
        for (var e : sorted.entrySet()) {
            String[] kv = e.getKey().split("\u0000", 2);
            sb.append("llama3j_http_requests_total{route=\"").append(escape(kv[0])).append("\",status=\"")
                    .append(kv[1]).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        sb.append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" gauge\n");
        sb.append(name).append(' ').append(v).append('\n');
    }

    private static void gaugeDouble(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" gauge\n");
        sb.append(name).append(' ').append(num(v)).append('\n');
    }

    private static void histogram(StringBuilder sb, String name, String help, EngineMetrics.Histogram h) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" histogram\n");
        // One snapshot of the cumulative counts, so that buckets, +Inf and _count agree.
        long[] cumulative = new long[EngineMetrics.BUCKETS.length + 1];
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] = h.cumulative(i);
        }
        for (int i = 1; i < cumulative.length; i++) {
            cumulative[i] = Math.max(cumulative[i], cumulative[i - 1]);
        }
        for (int i = 0; i < EngineMetrics.BUCKETS.length; i++) {
            sb.append(name).append("_bucket{le=\"").append(num(EngineMetrics.BUCKETS[i])).append("\"} ")
                    .append(cumulative[i]).append('\n');
        }
        long count = cumulative[EngineMetrics.BUCKETS.length];
        sb.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        sb.append(name).append("_sum ").append(num(h.sumSeconds())).append('\n');
        sb.append(name).append("_count ").append(count).append('\n');
    }

    private static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
