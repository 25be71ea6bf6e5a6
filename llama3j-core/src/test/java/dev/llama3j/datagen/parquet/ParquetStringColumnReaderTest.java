package dev.llama3j.datagen.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.datagen.PromptLoader;
import dev.llama3j.datagen.PromptRow;
import dev.llama3j.error.InvalidRequestException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our reader on files our writer makes (Spark's files are read in llama3j-spark's ParquetInteropTest),
 * and every error path: not Parquet, truncated, an unknown codec, a missing column, a null prompt.
 */
class ParquetStringColumnReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, List<String> instructions) throws IOException {
        ParquetFileWriter w = new ParquetFileWriter(List.of(ParquetField.int64("index", false),
                ParquetField.list("tags", ParquetField.string("element")), ParquetField.string("instruction")));
        for (int i = 0; i < instructions.size(); i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("index", (long) i);
            row.put("tags", i % 2 == 0 ? List.of("t" + i, "u") : null);
            row.put("instruction", instructions.get(i));
            w.add(row);
        }
        Path f = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(f)) {
            w.write(out);
        }
        return f;
    }

    @Test
    void readsTheColumnOurWriterWrites() throws IOException {
        List<String> values = Arrays.asList("Hi", null, "", "Grüß dich ✓", null);
        assertEquals(values, ParquetStringColumnReader.read(write("p.parquet", values), "instruction"));
        assertEquals(List.of(), ParquetStringColumnReader.read(write("empty.parquet", List.of()), "instruction"));
    }

    @Test
    void promptLoaderReadsParquetByExtensionAndRejectsNullPrompts() throws IOException {
        Path f = write("p.parquet", List.of("a", "b"));
        assertEquals(List.of(new PromptRow(0, "a"), new PromptRow(1, "b")), PromptLoader.read(f, "instruction"));
        Path nulls = write("n.parquet", Arrays.asList("a", null));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> PromptLoader.read(nulls, "instruction"));
        assertEquals(nulls + " row 1: column 'instruction' is null, expected a string", e.getMessage());
    }

    @Test
    void missingColumnListsTheFilesColumns() throws IOException {
        Path f = write("p.parquet", List.of("a"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(f, "prompt"));
        assertEquals(f + " has no column 'prompt' (columns: index, tags, instruction); choose one with --column",
                e.getMessage());
        InvalidRequestException number = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(f, "index"));
        assertEquals(f + ": column 'index' has type INT64, expected a string column (BYTE_ARRAY)", number.getMessage());
    }

    @Test
    void notParquetAndTruncatedFilesAreNamed() throws IOException {
        Path json = dir.resolve("prompts.parquet");
        Files.writeString(json, "{\"instruction\": \"Hi\"}\n");
        InvalidRequestException magic = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(json, "instruction"));
        assertEquals(json + " is not a Parquet file (it does not start and end with PAR1)", magic.getMessage());

        Path f = write("p.parquet", List.of("a", "b"));
        byte[] b = Files.readAllBytes(f);
        // keep the magic at both ends but claim a footer longer than the file
        b[b.length - 8] = (byte) 0xff;
        b[b.length - 7] = (byte) 0x7f;
        Files.write(f, b);
        InvalidRequestException truncated = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(f, "instruction"));
        assertTrue(truncated.getMessage().startsWith(f + " is not a well-formed Parquet file: footer length"),
                truncated.getMessage());
        Path missing = dir.resolve("absent.parquet");
        assertEquals("prompts file " + missing + " does not exist", assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(missing, "instruction")).getMessage());
    }

    @Test
    void unknownEncodingIsNamed() throws IOException {
        // Each DataPageHeader: num_values, then encoding PLAIN (0x15 0x00), definition and repetition
        // level encodings RLE (0x15 0x06 twice). Make the value encoding BYTE_STREAM_SPLIT (9 -> 0x12).
        Path f = patched(new int[] {0x15, 0x00, 0x15, 0x06, 0x15, 0x06}, 0x12);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(f, "instruction"));
        assertEquals(f + ": column 'instruction' uses value encoding BYTE_STREAM_SPLIT (this reader reads PLAIN,"
                + " PLAIN_DICTIONARY, RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY)", e.getMessage());
    }

    @Test
    void unknownCodecIsNamed() throws IOException {
        // In each ColumnMetaData the codec (field 4, i32) follows path_in_schema and precedes num_values
        // (field 5, i64): compact bytes 0x15 <zigzag codec> 0x16. Make UNCOMPRESSED (0) ZSTD (6 -> 0x0c).
        Path f = patched(new int[] {0x15, 0x00, 0x16}, 0x0c);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ParquetStringColumnReader.read(f, "instruction"));
        assertEquals(f + ": column 'instruction' uses compression codec ZSTD (this reader reads UNCOMPRESSED, GZIP"
                + " and SNAPPY)", e.getMessage());
    }

    /**
     * A file of our writer (three columns) with the second byte of every occurrence of {@code pattern}
     * set to {@code value}: an enum field's value in the compact protocol, once per column.
     */
    private Path patched(int[] pattern, int value) throws IOException {
        Path f = write("p.parquet", List.of("a", "b"));
        byte[] b = Files.readAllBytes(f);
        int patched = 0;
        for (int i = 0; i + pattern.length <= b.length; i++) {
            boolean match = true;
            for (int k = 0; k < pattern.length && match; k++) {
                match = (b[i + k] & 0xff) == pattern[k];
            }
            if (match) {
                b[i + 1] = (byte) value;
                patched++;
            }
        }
        assertEquals(3, patched, "once per column chunk");
        Files.write(f, b);
        return f;
    }
}
