package dev.llama3j.datagen;

/**
 * The core's {@link RowSchema} check (package-private there) opened to the Spark module's tests, so
 * Parquet rows are validated against the same checked-in schema by the same validator.
 */
public final class RowSchemaCheck {
    private RowSchemaCheck() {}

    /** Fails unless the JSON text of one row is valid against {@code row.schema.json}. */
    public static void assertValid(String line) {
        RowSchema.assertValid(line);
    }
}
