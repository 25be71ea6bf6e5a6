package dev.llama3j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.Judgement;
import dev.llama3j.datagen.Preference;
import dev.llama3j.datagen.RowSchemaCheck;
import dev.llama3j.datagen.UltraFeedbackAspect;
import dev.llama3j.datagen.ParquetRowWriter;
import dev.llama3j.datagen.parquet.ParquetStringColumnReader;
import dev.llama3j.datagen.parquet.SnappyDecompressor;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/**
 * llama3j's own Parquet code (llama3j-core, no Hadoop) against Spark as the oracle: prompts files
 * Spark writes (each codec, data pages v1 and v2, dictionary, plain and delta values, nulls, several row
 * groups and pages, nested columns beside the prompt) read back as Spark wrote them; rows our
 * writer writes read by Spark equal the rows (as JSON, and as the Spark job's own rows).
 */
class ParquetInteropTest {
    private static final List<String> NAMES = List.of("a", "b");

    @TempDir
    Path dir;

    /** Prompts: repeats (dictionary), nulls, non-ASCII, an empty string; enough rows for several pages. */
    private static List<String> prompts(int n) {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(i % 7 == 3 ? null : i % 5 == 0 ? "Say hello " + (i % 4) : i == 1 ? "" : "Prompt " + i + " — café ✓");
        }
        return p;
    }

    private Path sparkWrites(List<String> instructions, String codec, String pageVersion, boolean dictionary) {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("meta", new StructType().add("source", DataTypes.StringType).add("tags",
                        DataTypes.createArrayType(DataTypes.StringType)))
                .add("instruction", DataTypes.StringType, true)
                .add("score", DataTypes.DoubleType)
                .add("title", DataTypes.StringType, false);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < instructions.size(); i++) {
            rows.add(RowFactory.create((long) i, RowFactory.create("s" + i,
                    scala.jdk.javaapi.CollectionConverters.asScala(List.of("x", "y")).toSeq()), instructions.get(i), i * 0.5, "t" + i % 3));
        }
        Path out = dir.resolve(codec + "-" + pageVersion + "-" + dictionary);
        spark.createDataFrame(rows, schema).coalesce(1).write()
                .option("compression", codec)
                .option("parquet.writer.version", pageVersion)
                .option("parquet.enable.dictionary", String.valueOf(dictionary))
                .option("parquet.block.size", "8192")
                .option("parquet.page.size", "1024")
                .option("parquet.page.row.count.limit", "300")
                .parquet(out.toString());
        try (Stream<Path> files = Files.list(out)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsPromptsSparkWritesWithEachCodecAndPageVersion() {
        List<String> expected = prompts(1000);
        // v1 pages: dictionary, else PLAIN; v2 pages: RLE_DICTIONARY, else DELTA_BYTE_ARRAY (parquet-mr's choice)
        for (String codec : List.of("snappy", "gzip", "uncompressed")) {
            for (String version : List.of("v1", "v2")) {
                for (boolean dictionary : List.of(true, false)) {
                    Path file = sparkWrites(expected, codec, version.equals("v1") ? "PARQUET_1_0" : "PARQUET_2_0",
                            dictionary);
                    assertEquals(expected, ParquetStringColumnReader.read(file, "instruction"),
                            codec + " " + version + " dictionary=" + dictionary);
                    List<String> titles = new ArrayList<>();
                    for (int i = 0; i < expected.size(); i++) {
                        titles.add("t" + i % 3);
                    }
                    assertEquals(titles, ParquetStringColumnReader.read(file, "title"), "a required column");
                }
            }
        }
    }

    @Test
    void missingAndNonStringColumnsAreNamed() {
        Path file = sparkWrites(prompts(10), "snappy", "PARQUET_1_0", true);
        InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(file, "prompt"));
        assertEquals(file + " has no column 'prompt' (columns: id, meta, instruction, score, title); choose one with --column",
                missing.getMessage());
        InvalidRequestException number = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(file, "score"));
        assertEquals(file + ": column 'score' has type DOUBLE, expected a string column (BYTE_ARRAY)",
                number.getMessage());
        InvalidRequestException nested = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(file, "meta"));
        assertEquals(file + ": column 'meta' is nested (a group), expected a string column", nested.getMessage());
    }

    @Test
    void snappyDecompressorMatchesSnappyJava() throws IOException {
        Random random = new Random(17);
        for (int size : new int[] {0, 1, 59, 60, 61, 300, 70_000, 1 << 20}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                // runs and repeats for copies, noise for literals
                data[i] = i > 100 && random.nextInt(4) != 0 ? data[i - 1 - random.nextInt(100)] : (byte) random.nextInt();
            }
            byte[] packed = Snappy.compress(data);
            assertArrayEquals(data, SnappyDecompressor.decompress(packed, 0, packed.length), "size " + size);
        }
    }

    @Test
    void sparkReadsRowsOurWriterWrites() throws IOException {
        List<BigInteger> ratings = Arrays.asList(BigInteger.valueOf(4), BigInteger.TWO);
        Judgement typed = new Judgement(ratings, List.of("good", "weak"), Arrays.asList(BigInteger.ONE, null),
                Arrays.asList("r1", null), null);
        List<BigInteger> huge = Arrays.asList(BigInteger.TWO.pow(70), BigInteger.ONE, null);
        List<List<DatagenRow>> cases = List.of(
                List.of(new DatagenRow(0, "Hi", List.of("Hello!", "Hm."), NAMES, UltraFeedbackAspect.HELPFULNESS, typed,
                                "judge", "Type: 1 ...", Preference.of(ratings, 2), null),
                        new DatagenRow(1, "Héllo ✓", Arrays.asList(null, ""), NAMES, UltraFeedbackAspect.HELPFULNESS,
                                null, "judge", null, null, "generation 1 (a) failed: boom"),
                        new DatagenRow(2, "", List.of("x", "y"), NAMES, UltraFeedbackAspect.HELPFULNESS,
                                new Judgement(List.of(), List.of(), List.of(), List.of(), null), "judge", "",
                                Preference.of(List.of(), 2), null)),
                List.of(new DatagenRow(0, "Hi", List.of("x", "y", "z"), List.of("a", "b", "c"),
                                UltraFeedbackAspect.HONESTY, new Judgement(huge, Arrays.asList("p", null, "r"), null, null,
                                        null), "judge", "Rating: ...", Preference.of(huge, 3), null),
                        new DatagenRow(1, "Again", List.of("x", "y", "z"), List.of("a", "b", "c"),
                                UltraFeedbackAspect.HONESTY, null, "judge", null, null, null)),
                List.of());
        SparkSession spark = TestSpark.session();
        spark.conf().set("spark.sql.jsonGenerator.ignoreNullFields", "false");
        int n = 0;
        for (List<DatagenRow> rows : cases) {
            UltraFeedbackAspect aspect = rows.isEmpty() ? UltraFeedbackAspect.OVERALL_RATING : rows.get(0).aspect();
            Path out = dir.resolve("rows" + n++ + ".parquet");
            try (ParquetRowWriter writer = ParquetRowWriter.open(out, aspect)) {
                rows.forEach(writer::write);
                writer.finish();
            }
            assertTrue(!Files.exists(ParquetRowWriter.journalOf(out)), "the journal is gone once finished");
            Dataset<Row> read = spark.read().parquet(out.toString());
            StructType schema = SparkRows.schema(aspect);
            assertEquals(schema.asNullable(), read.schema().asNullable());
            List<String> ours = read.orderBy("index").toJSON().collectAsList();
            List<Row> sparkRows = rows.stream().map(r -> SparkRows.toRow(r, schema)).toList();
            List<String> theirs = sparkRows.isEmpty() ? List.of()
                    : spark.createDataFrame(sparkRows, schema).toJSON().collectAsList();
            assertEquals(theirs.stream().map(Json::parse).toList(), ours.stream().map(Json::parse).toList());
            for (int i = 0; i < rows.size(); i++) {
                RowSchemaCheck.assertValid(ours.get(i));
                Judgement j = rows.get(i).judgement();
                if (j == null || !j.ratings().contains(BigInteger.TWO.pow(70))) {
                    // rows without a beyond-64-bit rating equal the local JSON line exactly
                    assertEquals(Json.parse(Json.writeCompact(rows.get(i).toJson())), Json.parse(ours.get(i)));
                }
            }
            assertEquals(rows.stream().map(DatagenRow::instruction).toList(),
                    ParquetStringColumnReader.read(out, "instruction"), "our reader reads our writer");
        }
    }
}
