package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.datagen.parquet.ParquetStringColumnReader;
import dev.llama3j.error.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal that makes Parquet output resumable: rows go to {@code <out>.partial.jsonl} until
 * {@code finish}; a writer closed without finishing (a run that stopped) leaves the journal for the
 * next run; a finished file is checked against the prompts. Spark reads the file in llama3j-spark's
 * ParquetInteropTest.
 */
class ParquetRowWriterTest {
    @TempDir
    Path dir;

    private static DatagenRow row(long index, String instruction) {
        return new DatagenRow(index, instruction, List.of("a", "b"), List.of("m", "m"),
                UltraFeedbackAspect.OVERALL_RATING, null, "judge", null, null, "not judged in this test");
    }

    @Test
    void journalUntilFinishedThenParquet() {
        Path out = dir.resolve("rows.parquet");
        List<PromptRow> prompts = List.of(new PromptRow(0, "Hi"), new PromptRow(1, "Ho"), new PromptRow(2, "Hu"));
        try (ParquetRowWriter w = ParquetRowWriter.open(out, UltraFeedbackAspect.OVERALL_RATING)) {
            assertEquals(0, w.done());
            w.write(row(0, "Hi"));
            w.write(row(1, "Ho"));
        }
        assertTrue(Files.exists(ParquetRowWriter.journalOf(out)));
        assertFalse(Files.exists(out), "no Parquet file before the run finishes");

        try (ParquetRowWriter w = ParquetRowWriter.open(out, UltraFeedbackAspect.OVERALL_RATING)) {
            assertEquals(2, w.done());
            w.checkDone(prompts);
            w.write(row(2, "Hu"));
            w.finish();
        }
        assertFalse(Files.exists(ParquetRowWriter.journalOf(out)));
        assertEquals(List.of("Hi", "Ho", "Hu"), ParquetStringColumnReader.read(out, "instruction"));
        assertEquals(List.of("not judged in this test", "not judged in this test", "not judged in this test"),
                ParquetStringColumnReader.read(out, "error"));

        try (ParquetRowWriter w = ParquetRowWriter.open(out, UltraFeedbackAspect.OVERALL_RATING)) {
            assertEquals(3, w.done());
            w.checkDone(prompts);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> w.checkDone(List.of(new PromptRow(0, "Hi"), new PromptRow(1, "Other"), new PromptRow(2, "Hu"))));
            assertEquals("output " + out + " is a finished file of 3 rows written for other prompts; give a new --out or"
                    + " the same arguments", e.getMessage());
            assertThrows(IllegalStateException.class, () -> w.write(row(3, "more")));
        }
    }
}
