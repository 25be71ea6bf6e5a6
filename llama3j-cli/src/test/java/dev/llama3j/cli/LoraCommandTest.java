package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.lora.AdapterFiles;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --lora} on generate and chat: the adapter's goldens, and one error line for a bad adapter. */
class LoraCommandTest {
    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    static Map<String, Object> loraCase(String name) {
        Map<String, Object> lora = (Map<String, Object>) Fixtures.goldens().get("lora");
        for (Map<String, Object> c : (List<Map<String, Object>>) lora.get("cases")) {
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new AssertionError(name);
    }

    static Cli.Result generate(int[] ids, String... flags) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", Fixtures.randomModel().toString(),
                "--prompt-ids", IntStream.of(ids).mapToObj(String::valueOf).collect(Collectors.joining(",")),
                "--temperature", "0", "--max-tokens", "24", "--threads", "2", "--cache-type", "f32", "--json"));
        args.addAll(List.of(flags));
        return Cli.run(args.toArray(String[]::new));
    }

    static int[] tokens(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.err());
        return Fixtures.ints(Json.asObject(Json.parse(r.out().strip()), "output").get("tokens"));
    }

    @Test
    void generateAppliesTheAdapterInEveryMode() {
        for (String name : new String[] {"hello", "multilingual"}) {
            Map<String, Object> c = loraCase(name);
            int[] ids = Fixtures.ints(c.get("ids"));
            int[] golden = Fixtures.ints(c.get("greedy24"));
            for (String mode : new String[] {"merged", "unmerged", "auto"}) {
                assertArrayEquals(golden, tokens(generate(ids, "--lora", Fixtures.loraAdapter().toString(),
                        "--lora-mode", mode)), name + " " + mode);
            }
            assertArrayEquals(golden, tokens(generate(ids, "--lora", "mine=" + Fixtures.loraAdapter())),
                    name + " named");
        }
    }

    @Test
    void chatAppliesTheAdapter() {
        List<String> args = List.of("chat", "--model", Fixtures.randomModel().toString(), "--temperature", "0",
                "--max-tokens", "8", "--threads", "2", "--date", "26 Jul 2024");
        Cli.Result base = Cli.runWithInput("Hello!\n", args.toArray(String[]::new));
        List<String> withLora = new ArrayList<>(args);
        withLora.addAll(List.of("--lora", Fixtures.loraAdapter().toString()));
        Cli.Result lora = Cli.runWithInput("Hello!\n", withLora.toArray(String[]::new));
        assertEquals(0, base.exitCode(), base.err());
        assertEquals(0, lora.exitCode(), lora.err());
        assertTrue(!lora.out().isBlank());
        assertNotEquals(base.out(), lora.out());
    }

    private static void assertOneLine(Cli.Result r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String[] lines = r.errLines();
        assertEquals(1, lines.length, "one error line, got:\n" + String.join("\n", lines));
        assertTrue(lines[0].startsWith("error: "), lines[0]);
        for (String s : mustContain) {
            assertTrue(lines[0].contains(s), "'" + s + "' missing from: " + lines[0]);
        }
    }

    private Cli.Result withAdapter(AdapterFiles files) {
        Path dir = files.write(tmp.resolve("bad"));
        return generate(new int[] {128000}, "--lora", dir.toString());
    }

    @Test
    void shapeMismatch() {
        String a = AdapterFiles.name(0, "self_attn.v_proj", "A");
        assertOneLine(withAdapter(AdapterFiles.fixture().tensors(t -> t.put(a,
                new AdapterFiles.Tensor("F32", new long[] {8, 32}, new float[8 * 32])))), a, "[8, 32]", "[8, 64]");
    }

    @Test
    void missingTensor() {
        String b = AdapterFiles.name(1, "mlp.gate_proj", "B");
        assertOneLine(withAdapter(AdapterFiles.fixture().tensors(t -> t.remove(b))), b, "missing");
    }

    @Test
    void targetModuleNotInTheModel() {
        assertOneLine(withAdapter(AdapterFiles.fixture().config(c -> c.put("target_modules",
                List.of("q_proj", "query_key_value")))), "'query_key_value'", "not in the model");
    }

    @Test
    void dora() {
        assertOneLine(withAdapter(AdapterFiles.fixture().config(c -> c.put("use_dora", true))), "use_dora", "DoRA");
    }

    @Test
    void badFlags() {
        assertOneLine(generate(new int[] {128000}, "--lora", tmp.resolve("nowhere").toString()), "nowhere",
                "not a LoRA adapter folder");
        assertOneLine(generate(new int[] {128000}, "--lora", "a=" + Fixtures.loraAdapter(), "--lora",
                "b=" + Fixtures.loraAdapter()), "generate applies one LoRA adapter");
        assertOneLine(generate(new int[] {128000}, "--lora", Fixtures.loraAdapter().toString(), "--lora-mode",
                "sideways"), "merged, unmerged or auto");
    }

    /** {@code convert --lora} writes the adapted model; generate on it needs no adapter. */
    @Test
    void convertMergesTheAdapter() {
        Path gguf = tmp.resolve("merged.gguf");
        Cli.Result r = Cli.run("convert", "--model", Fixtures.randomModel().toString(), "--out", gguf.toString(),
                "--type", "f32", "--lora", Fixtures.loraAdapter().toString());
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> c = loraCase("hello");
        List<String> args = new ArrayList<>(List.of("generate", "--model", gguf.toString(), "--prompt-ids",
                IntStream.of(Fixtures.ints(c.get("ids"))).mapToObj(String::valueOf).collect(Collectors.joining(",")),
                "--temperature", "0", "--max-tokens", "24", "--threads", "2", "--cache-type", "f32", "--json"));
        assertArrayEquals(Fixtures.ints(c.get("greedy24")), tokens(Cli.run(args.toArray(String[]::new))));
    }

    /** A quantized GGUF base takes the adapter unmerged; merged mode says why it cannot. */
    @Test
    void quantizedGgufBase() {
        Path q8 = tmp.resolve("base-q8_0.gguf");
        Cli.Result r = Cli.run("convert", "--model", Fixtures.randomModel().toString(), "--out", q8.toString(),
                "--type", "q8_0");
        assertEquals(0, r.exitCode(), r.err());
        List<String> args = List.of("generate", "--model", q8.toString(), "--prompt-ids", "128000,9906",
                "--temperature", "0", "--max-tokens", "24", "--threads", "2", "--json", "--lora",
                Fixtures.loraAdapter().toString());
        assertEquals(24, tokens(Cli.run(args.toArray(String[]::new))).length);
        List<String> merged = new ArrayList<>(args);
        merged.addAll(List.of("--lora-mode", "merged"));
        assertOneLine(Cli.run(merged.toArray(String[]::new)), "Q8_0", "merged mode needs a float base", "unmerged");
    }

    @Test
    void convertRefusesABadAdapter() {
        Path dir = AdapterFiles.fixture().config(c -> c.put("use_dora", true)).write(tmp.resolve("dora"));
        assertOneLine(Cli.run("convert", "--model", Fixtures.randomModel().toString(), "--out",
                tmp.resolve("x.gguf").toString(), "--lora", dir.toString()), "use_dora", "DoRA");
    }

    /** {@code serve --lora}: the adapter is listed and answers by name, next to the base. */
    @Test
    void serveListsAndAppliesTheAdapter() throws Exception {
        int port;
        try (java.net.ServerSocket sock = new java.net.ServerSocket(0)) {
            port = sock.getLocalPort();
        }
        int p = port;
        var run = java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.run("serve", "--model",
                Fixtures.randomModel().toString(), "--port", Integer.toString(p), "--parallel", "2", "--ctx-size",
                "256", "--threads", "2", "--cache-type", "f32", "--served-model-name", "rnd", "--lora",
                "tuned=" + Fixtures.loraAdapter()));
        long end = System.nanoTime() + 60_000_000_000L;
        while (ServeCommand.RUNNING.get() == null) {
            assertTrue(System.nanoTime() < end && !run.isDone(), "server did not start: " + (run.isDone() ? run.get() : ""));
            Thread.sleep(20);
        }
        var server = ServeCommand.RUNNING.get();
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            var models = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl()
                    + "/v1/models")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(models.body().contains("\"id\":\"tuned\"") || models.body().contains("\"id\": \"tuned\""),
                    models.body());
            Map<String, Object> c = loraCase("hello");
            String ids = IntStream.of(Fixtures.ints(c.get("ids"))).mapToObj(String::valueOf)
                    .collect(Collectors.joining(","));
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl()
                            + "/v1/completions")).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\": \"tuned\", \"prompt\": ["
                            + ids + "], \"max_tokens\": 24, \"temperature\": 0}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            Map<String, Object> o = Json.asObject(Json.parse(r.body()), "response");
            Map<String, Object> choice = Json.asObject(Json.asArray(o.get("choices"), "choices").get(0), "choice");
            String golden = dev.llama3j.tokenizer.Tokenizer.load(Fixtures.randomModel())
                    .decode(Fixtures.ints(c.get("greedy24")));
            assertEquals(golden, choice.get("text"));
        } finally {
            server.close();
        }
        Cli.Result result = run.get();
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.err().contains("LoRA adapters tuned"), result.err());
    }

    @Test
    void serveRefusesMergedModeAndUnreachableNames() throws Exception {
        String m = Fixtures.randomModel().toString();
        assertOneLine(serveOrStop("--model", m, "--port", "0", "--lora", Fixtures.loraAdapter().toString(),
                "--lora-mode", "merged"), "serve keeps the base model available", "convert --lora");
        assertOneLine(serveOrStop("--model", m, "--port", "0", "--threads", "1", "--lora",
                "base=" + Fixtures.loraAdapter()), "'base'", "unreachable");
    }

    /** Runs serve expecting it to fail; should it start instead, stops it so that the test fails, not hangs. */
    private static Cli.Result serveOrStop(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve"));
        args.addAll(List.of(flags));
        var run = java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.run(args.toArray(String[]::new)));
        long end = System.nanoTime() + 60_000_000_000L;
        while (!run.isDone() && System.nanoTime() < end) {
            var started = ServeCommand.RUNNING.get();
            if (started != null) {
                started.close();
                run.get(30, java.util.concurrent.TimeUnit.SECONDS);
                throw new AssertionError("serve started instead of refusing " + args);
            }
            Thread.sleep(20);
        }
        return run.get(1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
