package dev.llama3j.datagen;

import dev.llama3j.datagen.parquet.ParquetField;
import dev.llama3j.datagen.parquet.ParquetFileWriter;
import dev.llama3j.datagen.parquet.ParquetStringColumnReader;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rows as a Parquet file with the Spark job's schema (the columns of {@link DatagenRow#columns}: index
 * a required int64, ratings and types lists of nullable int64, generations and rationales lists of
 * strings, chosen and rejected lists of {@code struct<role, content>}, the rest strings).
 *
 * <p>A Parquet file cannot be appended to, so while a run goes on its rows go to a JSON-lines journal
 * beside it, {@code <out>.partial.jsonl}, appended and resumable exactly like JSON-lines output; when
 * every row is written, {@link #finish()} writes the Parquet file from the journal (to a temporary
 * name, then moved into place) and deletes the journal. A run killed before that leaves the journal,
 * which the next run with the same arguments continues. A finished Parquet file without a journal
 * holds all rows: a new run checks its instructions against the prompts and has nothing to do.
 * Ratings beyond 64 bits are stored as null and named in the row's error, as the Spark job does.
 */
public final class ParquetRowWriter implements ResumableRowWriter {
    private final Path file;
    private final UltraFeedbackAspect aspect;
    private final JsonLinesRowWriter journal;
    private final List<String> finishedInstructions;
    private boolean journalClosed;

    private ParquetRowWriter(Path file, UltraFeedbackAspect aspect, JsonLinesRowWriter journal,
            List<String> finishedInstructions) {
        this.file = file;
        this.aspect = aspect;
        this.journal = journal;
        this.finishedInstructions = finishedInstructions;
    }

    /** The journal a run in progress appends to. */
    public static Path journalOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".partial.jsonl");
    }

    /** Opens the output: continues its journal, or reads a finished file's instructions, or starts anew. */
    public static ParquetRowWriter open(Path file, UltraFeedbackAspect aspect) {
        Path journal = journalOf(file);
        if (!Files.exists(journal) && Files.exists(file)) {
            return new ParquetRowWriter(file, aspect, null, ParquetStringColumnReader.read(file, "instruction"));
        }
        return new ParquetRowWriter(file, aspect, JsonLinesRowWriter.open(journal), null);
    }

    @Override
    public long done() {
        return journal != null ? journal.done() : finishedInstructions.size();
    }

    @Override
    public void checkDone(List<PromptRow> prompts) {
        if (journal != null) {
            journal.checkDone(prompts);
            return;
        }
        boolean same = finishedInstructions.size() == prompts.size();
        for (int i = 0; same && i < prompts.size(); i++) {
            same = prompts.get(i).instruction().equals(finishedInstructions.get(i));
        }
        if (!same) {
            throw new InvalidRequestException("output " + file + " is a finished file of " + finishedInstructions.size()
                    + " rows written for other prompts; give a new --out or the same arguments", "out");
        }
    }

    @Override
    public void write(DatagenRow row) {
        if (journal == null) {
            throw new IllegalStateException(file + " is finished; it takes no more rows");
        }
        journal.write(row);
    }

    @Override
    public void finish() {
        if (journal == null) {
            return;
        }
        Path journalFile = journalOf(file);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            ParquetFileWriter writer = new ParquetFileWriter(schema(aspect));
            for (String line : Files.readAllLines(journalFile, StandardCharsets.UTF_8)) {
                writer.add(parquetValues(Json.asObject(Json.parse(line), "row")));
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            closeJournal();
            Files.delete(journalFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeJournal();
    }

    private void closeJournal() {
        if (journal != null && !journalClosed) {
            journalClosed = true;
            journal.close();
        }
    }

    /** The Parquet schema of rows of an aspect: the Spark job's output schema. */
    public static List<ParquetField> schema(UltraFeedbackAspect aspect) {
        List<ParquetField> fields = new ArrayList<>();
        for (String column : DatagenRow.columns(aspect)) {
            fields.add(switch (column) {
                case "index" -> ParquetField.int64(column, false);
                case "generations", "model_names", "rationales", "rationales-for-ratings" ->
                        ParquetField.list(column, ParquetField.string("element"));
                case "ratings", "types" -> ParquetField.list(column, ParquetField.int64("element", true));
                case "chosen", "rejected" -> ParquetField.list(column, ParquetField.struct("element",
                        ParquetField.string("role"), ParquetField.string("content")));
                default -> ParquetField.string(column);
            });
        }
        return fields;
    }

    /** A row's JSON with integers beyond 64 bits (ratings, types) replaced by null and named in its error. */
    static Map<String, Object> parquetValues(Map<String, Object> json) {
        List<String> tooLong = new ArrayList<>();
        for (String column : List.of("ratings", "types")) {
            if (json.get(column) instanceof List<?> list) {
                List<Object> fixed = new ArrayList<>();
                for (Object v : list) {
                    if (v == null || v instanceof Long || fitsLong(v)) {
                        fixed.add(v == null || v instanceof Long ? v : ((Number) v).longValue());
                    } else {
                        tooLong.add(column + " " + v);
                        fixed.add(null);
                    }
                }
                json.put(column, fixed);
            }
        }
        if (!tooLong.isEmpty()) {
            String note = "a rating outside the 64-bit range is stored as null (" + String.join(", ", tooLong) + ")";
            Object error = json.get("error");
            json.put("error", error == null ? note : error + "; " + note);
        }
        return json;
    }

    private static boolean fitsLong(Object v) {
        BigInteger big = v instanceof BigInteger b ? b : v instanceof BigDecimal d ? d.toBigIntegerExact() : null;
        return big != null && big.bitLength() < 64;
    }
}
