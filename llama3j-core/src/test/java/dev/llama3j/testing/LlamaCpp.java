package dev.llama3j.testing;

import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp as the reference engine in tests: {@code node tools/llama-cpp/llama-ref.mjs} (node-llama-cpp
 * 3.21.1, see tools/llama-cpp/README.md) run as a subprocess, one JSON answer per call.
 *
 * <p>The first use installs the tool ({@code tools/llama-cpp/setup.sh}: {@code npm ci} from the npm
 * registry, a no-op when already installed). Without Node.js, npm or the registry the tests that use
 * it fail, saying what is missing: cross-engine checks are never skipped.
 *
 * <p>llama.cpp runs with one thread: on a shared two-core machine its spinning thread pool is many
 * times slower with two.
 */
public final class LlamaCpp {
    private static final long TIMEOUT_SECONDS = 600;
    private static boolean installed;

    private LlamaCpp() {}

    private static Path toolDir() {
        return Fixtures.repoRoot().resolve("tools/llama-cpp");
    }

    /** Installs the tool once per JVM; fails the test with the reason when it cannot. */
    public static synchronized void ensureInstalled() {
        if (installed) {
            return;
        }
        Path dir = toolDir();
        if (!Files.isRegularFile(dir.resolve("llama-ref.mjs"))) {
            throw new AssertionError("the llama.cpp reference tool is missing: " + dir.resolve("llama-ref.mjs"));
        }
        Processes.Result node = Processes.run(dir, List.of("node", "--version"), 60);
        if (node.code() != 0) {
            throw new AssertionError("Node.js is required by the cross-engine tests (llama.cpp via node-llama-cpp),"
                    + " but 'node --version' failed: " + node.err().strip()
                    + ". Install Node.js 18+ and npm, then run tools/llama-cpp/setup.sh (or just the tests again).");
        }
        Processes.Result setup =
                Processes.run(dir, List.of("bash", dir.resolve("setup.sh").toString()), TIMEOUT_SECONDS);
        if (setup.code() != 0) {
            throw new AssertionError("installing the llama.cpp reference tool failed (tools/llama-cpp/setup.sh runs"
                    + " 'npm ci', which needs the npm registry the first time), exit " + setup.code() + ":\n"
                    + tail(setup.err()));
        }
        installed = true;
    }

    /** Runs {@code llama-ref.mjs args...} and returns its JSON answer; fails the test on any error. */
    public static Object run(String... args) {
        ensureInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", toolDir().resolve("llama-ref.mjs").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--threads", "1"));
        Processes.Result r = Processes.run(toolDir(), cmd, TIMEOUT_SECONDS);
        if (r.code() != 0) {
            throw new AssertionError("llama.cpp (" + String.join(" ", cmd) + ") failed with exit " + r.code() + ":\n"
                    + tail(r.err()));
        }
        return Json.parse(r.out());
    }

    /** llama.cpp's ids for each text; no BOS; special-token text parsed when {@code special}. */
    public static List<int[]> tokenize(Path model, List<String> texts, boolean special, Path work) {
        Path file = writeJson(work, "texts", texts);
        List<String> args = new ArrayList<>(List.of("tokenize", "--model", model.toString(), "--texts", file.toString()));
        if (!special) {
            args.add("--no-special");
        }
        List<int[]> out = new ArrayList<>();
        for (Object ids : (List<?>) run(args.toArray(String[]::new))) {
            out.add(Fixtures.ints(ids));
        }
        return out;
    }

    /** llama.cpp's greedy continuation of each prompt (fed as given, no BOS added), {@code n[i]} tokens each. */
    public static List<int[]> greedy(Path model, List<int[]> prompts, int[] n, Path work) {
        List<Object> jobs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("prompt_ids", prompts.get(i));
            job.put("n", n[i]);
            jobs.add(job);
        }
        Path file = writeJson(work, "prompts", jobs);
        Map<String, Object> answer = Json.asObject(run("greedy", "--model", model.toString(), "--batch", file.toString()),
                "llama-ref greedy");
        List<int[]> out = new ArrayList<>();
        for (Object r : (List<?>) answer.get("results")) {
            out.add(Fixtures.ints(((Map<?, ?>) r).get("ids")));
        }
        return out;
    }

    /**
     * llama.cpp's log-probabilities (log-softmax of the logits) at every position of {@code prompt}: one
     * row of {@code nVocab} per position.
     */
    public static float[][] logProbsAllPositions(Path model, int[] prompt, Path work) {
        Path out = work.resolve("logprobs-" + System.nanoTime() + ".f32");
        StringBuilder ids = new StringBuilder();
        for (int id : prompt) {
            ids.append(ids.isEmpty() ? "" : ",").append(id);
        }
        Map<String, Object> answer = Json.asObject(run("logits", "--model", model.toString(), "--prompt-ids",
                ids.toString(), "--positions", "all", "--out", out.toString()), "llama-ref logits");
        int[] shape = Fixtures.ints(answer.get("shape"));
        try {
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
            Files.delete(out);
            float[][] rows = new float[shape[0]][shape[1]];
            for (float[] row : rows) {
                bb.asFloatBuffer().get(row);
                bb.position(bb.position() + 4 * row.length);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path writeJson(Path work, String prefix, Object value) {
        try {
            Path file = Files.createTempFile(work, prefix, ".json");
            Files.writeString(file, Json.write(value, -1, false));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String s) {
        String[] lines = s.strip().split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
    }
}
