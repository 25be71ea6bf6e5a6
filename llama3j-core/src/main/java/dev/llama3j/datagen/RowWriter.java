package dev.llama3j.datagen;

/**
 * Where finished rows go, in input order. The pipeline calls {@link #write} as each row is done; an
 * implementation makes it durable before returning (JSON lines: appended and flushed) so that a run
 * killed at any point loses no written row. Parquet output: {@code dev.llama3j.datagen.parquet.ParquetRowWriter} here, and the Spark job's own writer.
 */
public interface RowWriter extends AutoCloseable {
    void write(DatagenRow row);

    @Override
    void close();
}
