package dev.llama3j.datagen;

import java.util.List;

/**
 * An output a killed run can continue: it knows how many rows it already holds, checks that they are
 * this input's rows, and is {@link #finish() finished} once every row is written.
 */
public interface ResumableRowWriter extends RowWriter {
    /** Rows already in the output (from an earlier run), which a resumed run skips. */
    long done();

    /**
     * Checks that the rows already written are those of the first {@link #done()} prompts.
     *
     * @throws dev.llama3j.error.InvalidRequestException naming the output and the row that differs
     */
    void checkDone(List<PromptRow> prompts);

    /** Called once all rows are written (JSON lines: nothing left to do; Parquet: the file is written now). */
    default void finish() {
    }
}
