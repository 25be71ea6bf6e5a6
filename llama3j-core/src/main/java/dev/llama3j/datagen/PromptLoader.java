package dev.llama3j.datagen;

import dev.llama3j.datagen.parquet.ParquetStringColumnReader;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads prompts from JSON lines (one JSON object per line, the instruction in a string field,
 * {@code instruction} by default; blank lines are skipped) or from a Parquet file (a string column);
 * rows are numbered from 0 in file order.
 */
public final class PromptLoader {
    public static final String DEFAULT_COLUMN = "instruction";

    private PromptLoader() {}

    /** Prompts from a {@code .parquet} file ({@link #readParquet}), else from JSON lines. */
    public static List<PromptRow> read(Path file, String column) {
        return file.getFileName().toString().endsWith(".parquet") ? readParquet(file, column)
                : readJsonLines(file, column);
    }

    /**
     * Prompts from a top-level string column of a Parquet file, read by {@link ParquetStringColumnReader}.
     *
     * @throws InvalidRequestException naming the file, column and row for a null prompt, and as the reader does
     */
    public static List<PromptRow> readParquet(Path file, String column) {
        List<String> values = ParquetStringColumnReader.read(file, column);
        List<PromptRow> rows = new ArrayList<>(values.size());
        for (String v : values) {
            if (v == null) {
                throw new InvalidRequestException(file + " row " + rows.size() + ": column '" + column
                        + "' is null, expected a string", "column");
            }
            rows.add(new PromptRow(rows.size(), v));
        }
        return rows;
    }

    /** @throws InvalidRequestException naming the file, line and field for a malformed line */
    public static List<PromptRow> readJsonLines(Path file, String column) {
        List<PromptRow> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + " line " + lineNo + ": ";
                Object json;
                try {
                    json = Json.parse(line);
                } catch (JsonException e) {
                    throw new InvalidRequestException(where + "not JSON: " + e.getMessage(), "prompts");
                }
                if (!(json instanceof Map<?, ?> object)) {
                    throw new InvalidRequestException(where + "expected a JSON object, found " + Json.describe(json),
                            "prompts");
                }
                Object value = object.get(column);
                if (!(value instanceof String s)) {
                    throw new InvalidRequestException(where + (object.containsKey(column)
                            ? "field '" + column + "' is " + Json.describe(value) + ", expected a string"
                            : "no field '" + column + "' (fields: " + String.join(", ",
                                    object.keySet().stream().map(String::valueOf).toList()) + "); choose one with --column"),
                            "column");
                }
                rows.add(new PromptRow(rows.size(), s));
            }
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("prompts file " + file + " does not exist", "prompts");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read prompts file " + file + ": " + e, "prompts");
        }
        return rows;
    }
}
