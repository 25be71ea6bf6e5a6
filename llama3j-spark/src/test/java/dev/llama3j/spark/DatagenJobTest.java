package dev.llama3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.LlamaOptions;
import dev.llama3j.datagen.DatagenPipeline;
import dev.llama3j.datagen.DatagenProgress;
import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.ModelPool;
import dev.llama3j.datagen.PromptLoader;
import dev.llama3j.datagen.RowSchemaCheck;
import dev.llama3j.datagen.UltraFeedback;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.model.KvCacheType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job end to end in local mode on the embedded chat model: two generators with different
 * (greedy) settings and the same model as the judge. Its Parquet rows, read back as JSON, are valid
 * against the rows' JSON Schema ({@code row.schema.json}) and equal the
 * local pipeline's rows for the same prompts, row by row; a task failed once on purpose is retried
 * and the output still holds each prompt once.
 */
class DatagenJobTest {
    private static final List<String> INSTRUCTIONS = List.of(
            "What is the capital of France?", "Name three colors.",
            "What is 2 + 2?", "Say hello in Spanish.");

    @TempDir
    static Path dir;
    static Path jsonl;
    static String parquet;
    static SparkSession spark;
    /** The local pipeline's rows for {@link #INSTRUCTIONS}, as JSON values, in input order. */
    static List<Object> localRows;

    /** (partition, attempt) of every row a task emitted, through the test hook. */
    final List<int[]> attempts = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void prompts() throws Exception {
        spark = TestSpark.session();
        spark.conf().set("spark.sql.jsonGenerator.ignoreNullFields", "false");
        jsonl = dir.resolve("prompts.jsonl");
        StringBuilder lines = new StringBuilder();
        for (String s : INSTRUCTIONS) {
            lines.append(Json.writeCompact(Map.of("instruction", s, "source", "test"))).append('\n');
            if (s.equals(INSTRUCTIONS.get(1))) {
                lines.append('\n'); // a blank line: no row for the command (PromptLoader) nor for Spark
            }
        }
        Files.writeString(jsonl, lines);
        parquet = dir.resolve("prompts.parquet").toString();
        spark.read().json(jsonl.toString()).coalesce(1).write().parquet(parquet);

        DatagenJobArgs args = args(jsonl.toString(), "unused");
        try (ModelPool pool = ModelPool.open(Map.of(args.generatorSpecs().get(0), "--generator",
                args.generatorSpecs().get(1), "--generator", args.judgeSpec(), "--judge"),
                LlamaOptions.defaults().withThreads(1).withParallel(args.parallel()))) {
            List<DatagenRow> rows = new DatagenPipeline(args.generatorSpecs().stream().map(pool::backend).toList(),
                    pool.backend(args.judgeSpec()), new UltraFeedback(args.aspect()), args.batch(), DatagenProgress.NONE)
                    .process(PromptLoader.readJsonLines(jsonl, "instruction"));
            localRows = rows.stream().map(r -> Json.parse(Json.writeCompact(r.toJson()))).toList();
            for (DatagenRow r : rows) { // rows worth comparing: both answers and a judgement, no error
                assertEquals(null, r.error());
                assertEquals(2, r.generations().stream().filter(g -> g != null && !g.isEmpty()).count(), r.toString());
                assertTrue(r.judgeOutput() != null && !r.judgeOutput().isEmpty(), r.toString());
            }
            assertEquals(INSTRUCTIONS.size(), rows.size());
        }
    }

    @BeforeEach
    void recordAttempts() {
        DatagenPartition.hook = (partition, attempt, index) -> attempts.add(new int[] {partition, attempt});
    }

    @AfterEach
    void noHook() {
        DatagenPartition.hook = null;
    }

    @Test
    void parquetInParquetOutEqualsTheLocalRunRowByRow() {
        String out = dir.resolve("from-parquet").toString();
        DatagenJob.run(spark, args(parquet, out));
        List<Object> rows = readRows(out);
        assertEquals(localRows, rows);
        assertTrue(attempts.stream().allMatch(a -> a[1] == 0), "no task ran twice");
        assertEquals(2, attempts.stream().mapToInt(a -> a[0]).distinct().count(), "two partitions");
        assertEquals(1, ExecutorModels.loads(), "one model load for every partition, task and job of this JVM");
    }

    @Test
    void jsonLinesInGivesTheSameRows() {
        String out = dir.resolve("from-jsonl").toString();
        DatagenJob.run(spark, args(jsonl.toString(), out));
        assertEquals(localRows, readRows(out));
        assertEquals(1, ExecutorModels.loads());
    }

    @Test
    void aTaskFailedOnceIsRetriedAndTheOutputHasEveryPromptOnce() {
        DatagenPartition.hook = (partition, attempt, index) -> {
            attempts.add(new int[] {partition, attempt});
            // partition 1's first attempt dies after its first row went to the Parquet writer
            if (partition == 1 && attempt == 0 && attempts.stream().filter(a -> a[0] == 1).count() == 2) {
                throw new IllegalStateException("injected failure in partition 1, attempt 0");
            }
        };
        String out = dir.resolve("retried").toString();
        DatagenJob.run(spark, args(parquet, out));
        assertTrue(attempts.stream().anyMatch(a -> a[0] == 1 && a[1] == 1), "partition 1 ran a second attempt");
        assertTrue(attempts.stream().noneMatch(a -> a[0] != 1 && a[1] > 0), "only partition 1 was retried");
        assertEquals(localRows, readRows(out), "every prompt once, none lost, none twice");
    }

    @Test
    void aMissingPromptColumnIsRefusedNamingTheColumns() {
        DatagenJobArgs a = new DatagenJobArgs(parquet, args(parquet, "x").generators(), args(parquet, "x").judge(),
                dir.resolve("never").toString(), "prompt", args(parquet, "x").aspect(), 4, 4, 0, 1, KvCacheType.F16, 0);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DatagenJob.run(spark, a));
        assertTrue(e.getMessage().contains("no column 'prompt' (columns: instruction, source)"), e.getMessage());
    }

    @Test
    void aNullPromptFailsTheJobNamingTheRow() throws Exception {
        Path withNull = dir.resolve("null.jsonl");
        Files.writeString(withNull, "{\"instruction\":\"Hi\"}\n{\"instruction\":null}\n");
        SparkException e = assertThrows(SparkException.class,
                () -> DatagenJob.run(spark, args(withNull.toString(), dir.resolve("null-out").toString())));
        assertTrue(DatagenJob.badInput(e).getMessage().endsWith("null.jsonl: the prompt of row 1 (column 'instruction')"
                + " is null"), causes(e));
    }

    @Test
    void aModelMissingOnTheExecutorsFailsTheJobNamingIt() {
        DatagenJobArgs a = DatagenJobArgs.parse("--prompts", parquet, "--generator", dir.resolve("no-model").toString(),
                "--judge", dir.resolve("no-model").toString(), "--out", dir.resolve("no-model-out").toString());
        SparkException e = assertThrows(SparkException.class, () -> DatagenJob.run(spark, a));
        assertTrue(DatagenJob.badInput(e).getMessage().startsWith("--generator '" + dir.resolve("no-model")
                + "': model '" + dir.resolve("no-model") + "' does not exist"), causes(e));
    }

    @Test
    void aMissingPromptsFileIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DatagenJob.run(spark,
                args(dir.resolve("absent.parquet").toString(), dir.resolve("absent-out").toString())));
        assertTrue(e.getMessage().contains("absent.parquet does not exist"), e.getMessage());
    }

    @Test
    void anExistingOutputFolderIsRefused() throws Exception {
        Path out = Files.createDirectories(dir.resolve("taken"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> DatagenJob.run(spark, args(parquet, out.toString())));
        assertTrue(e.getMessage().startsWith("--out " + out + " already exists"), e.getMessage());
    }

    @Test
    void thePromptColumnCannotBeNamedIndex() {
        DatagenJobArgs a = DatagenJobArgs.parse("--prompts", parquet, "--generator", "m", "--judge", "m",
                "--out", dir.resolve("index-out").toString(), "--column", "index");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DatagenJob.run(spark, a));
        assertTrue(e.getMessage().startsWith("--column index: that name is the output's row position"), e.getMessage());
    }

    /** Two greedy generators that differ in repetition penalty, the same model as judge; few tokens. */
    static DatagenJobArgs args(String prompts, String out) {
        String model = TestSpark.chatModel().toString();
        return DatagenJobArgs.parse("--prompts", prompts, "--out", out,
                "--generator", model + "@max_tokens=8",
                "--generator", model + "@max_tokens=8,repetition_penalty=1.5",
                "--judge", model + "@max_tokens=24",
                "--batch", "4", "--parallel", "4", "--threads", "1", "--partitions", "2");
    }

    /** The output folder's rows as JSON values, by index, each checked against the rows' JSON Schema. */
    static List<Object> readRows(String out) {
        List<String> lines = spark.read().parquet(out).toJSON().collectAsList();
        lines.forEach(RowSchemaCheck::assertValid);
        List<Object> rows = new ArrayList<>(lines.stream().map(Json::parse).toList());
        rows.sort(Comparator.comparingLong(r -> ((Number) ((Map<?, ?>) r).get("index")).longValue()));
        return rows;
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
