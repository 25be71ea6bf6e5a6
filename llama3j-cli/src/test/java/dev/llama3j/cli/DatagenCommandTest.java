package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.datagen.ParquetRowWriter;
import dev.llama3j.datagen.parquet.ParquetStringColumnReader;
import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama3j datagen} on the tiny chat model: output, bad arguments, and a run killed and resumed. */
class DatagenCommandTest {
    private static final String MODEL = Fixtures.chatModel().toString();
    private static final String[] QUESTIONS = {"What is the capital of France?", "Hello!", "What is 12 + 7?",
        "Who are you?", "What is the capital of Japan?", "Bonjour !", "What is 3 + 4?", "Hola"};

    @TempDir
    Path tmp;

    private Path prompts(int n) throws IOException {
        Path f = tmp.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(Json.writeCompact(Map.of("question", QUESTIONS[i])));
        }
        Files.write(f, lines);
        return f;
    }

    private static String[] args(Path prompts, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("datagen", "--prompts", prompts.toString(), "--column", "question",
                "--generator", MODEL + "@max_tokens=8",
                "--generator", MODEL + "@temperature=0.9,top_p=0.95,seed=1,max_tokens=8",
                "--judge", MODEL + "@max_tokens=8", "--out", out.toString(), "--threads", "2", "--ctx-size", "1024"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void writesOneRowPerPromptInOrder() throws IOException {
        Path out = tmp.resolve("out.jsonl");
        Cli.Result r = Cli.run(args(prompts(3), out, "--aspect", "truthfulness"));
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        for (int i = 0; i < 3; i++) {
            Map<String, Object> row = Json.asObject(Json.parse(lines.get(i)), "row");
            assertEquals((long) i, row.get("index"));
            assertEquals(QUESTIONS[i], row.get("instruction"));
            assertEquals(List.of("tiny-llama-3.1-chat", "tiny-llama-3.1-chat"), row.get("model_names"));
            assertTrue(row.containsKey("types"), "truthfulness rows have types");
        }
        assertTrue(r.err().contains("3 rows to " + out), r.err());
        // Run again: nothing left to do, the file is unchanged.
        byte[] before = Files.readAllBytes(out);
        r = Cli.run(args(tmp.resolve("prompts.jsonl"), out, "--aspect", "truthfulness"));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("already holds all 3 rows"), r.err());
        assertArrayEquals(before, Files.readAllBytes(out));
    }

    /**
     * Parquet out: a run killed after its first row left it in the journal; the next run continues
     * it, writes the Parquet file and deletes the journal; run again, it has nothing to do. Parquet
     * in: that file's instruction column as the prompts gives the JSON-lines run's rows.
     */
    @Test
    void parquetOutputResumesFromItsJournalAndServesAsPrompts() throws IOException {
        Path p = prompts(2);
        Path reference = tmp.resolve("reference.jsonl");
        assertEquals(0, Cli.run(args(p, reference)).exitCode());
        List<String> referenceLines = Files.readAllLines(reference);

        Path out = tmp.resolve("out.parquet");
        Files.writeString(ParquetRowWriter.journalOf(out), referenceLines.get(0) + "\n");
        Cli.Result r = Cli.run(args(p, out));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resuming at row 1"), r.err());
        assertTrue(!Files.exists(ParquetRowWriter.journalOf(out)), "the journal is gone once the file is written");
        for (String column : List.of("instruction", "judge_output", "no_pair_reason")) {
            List<Object> expected = referenceLines.stream().map(l -> Json.asObject(Json.parse(l), "row").get(column))
                    .toList();
            assertEquals(expected, new ArrayList<Object>(ParquetStringColumnReader.read(out, column)), column);
        }
        byte[] before = Files.readAllBytes(out);
        r = Cli.run(args(p, out));
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("already holds all 2 rows"), r.err());
        assertArrayEquals(before, Files.readAllBytes(out));

        Path again = tmp.resolve("again.jsonl");
        String[] fromParquet = args(out, again);
        fromParquet[4] = "instruction"; // --column
        assertEquals(0, Cli.run(fromParquet).exitCode());
        assertEquals(referenceLines, Files.readAllLines(again));

        Path other = prompts(3);
        assertBad(Cli.run(args(other, out)), "is a finished file of 2 rows written for other prompts");
    }

    @Test
    void badArgumentsExitWithCodeTwoBeforeLoading() throws IOException {
        Path p = prompts(1);
        Path out = tmp.resolve("o.jsonl");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL + "@temp=1", "--judge", MODEL, "--out",
                out.toString()), "--generator '" + MODEL + "@temp=1': unknown option 'temp'");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL, "--judge", "http://h/v1", "--out",
                out.toString()), "--judge 'http://h/v1': endpoint 'http://h/v1' names no model");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL, "--judge", MODEL, "--out",
                out.toString(), "--aspect", "style"), "unknown UltraFeedback aspect 'style'");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL, "--judge", MODEL, "--out",
                out.toString()), "line 1: no field 'instruction' (fields: question); choose one with --column");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--column", "question", "--generator", "no/model",
                "--judge", MODEL, "--out", out.toString()), "--generator 'no/model': model 'no/model' does not exist");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL, "--judge", MODEL, "--out",
                out.toString(), "--batch", "0"), "--batch must be at least 1");
        assertBad(Cli.run("datagen", "--prompts", p.toString(), "--generator", MODEL, "--judge", MODEL, "--out",
                out.toString(), "--batch", "100", "--parallel", "1"), "--batch 100 puts up to 200 requests in flight");
        Files.writeString(out, "{\"index\":0,\"instruction\":\"something else\"}\n");
        assertBad(Cli.run(args(p, out)), "line 1: holds row 0 of another input");
    }

    private static void assertBad(Cli.Result r, String expected) {
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    /**
     * The run is a separate JVM, killed (SIGKILL) once it has written its first rows; started again
     * with the same arguments it completes the file, which then equals an uninterrupted run's.
     */
    @Test
    void aKilledRunResumedWithTheSameArgumentsEqualsAnUninterruptedRun() throws Exception {
        Path p = prompts(QUESTIONS.length);
        Path reference = tmp.resolve("reference.jsonl");
        assertEquals(0, Cli.run(args(p, reference, "--batch", "1")).exitCode());

        Path out = tmp.resolve("out.jsonl");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "@" + Path.of("../bin/jvm.options").toAbsolutePath(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args(p, out, "--batch", "1")));
        Process run = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("run.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(out) < 1 && run.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        run.destroyForcibly();
        run.waitFor();
        long written = lines(out);
        assertTrue(written >= 1 && written < QUESTIONS.length,
                "killed after " + written + " rows: " + Files.readString(tmp.resolve("run.log")));
        // Whatever the kill left, add a partial line as a kill in the middle of a write leaves it.
        Files.writeString(out, "{\"index\":" + written + ",\"instruction\":\"Hel", StandardOpenOption.APPEND);

        Cli.Result resumed = Cli.run(args(p, out, "--batch", "1"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("resuming at row " + written), resumed.err());
        assertEquals(Files.readString(reference, StandardCharsets.UTF_8), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static long lines(Path f) throws IOException {
        if (!Files.exists(f)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(f);
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }
}
