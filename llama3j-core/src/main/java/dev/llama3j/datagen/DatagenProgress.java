package dev.llama3j.datagen;

/** Hears a pipeline's progress (for a progress bar); called on the pipeline's thread. */
@FunctionalInterface
public interface DatagenProgress {
    DatagenProgress NONE = (rowsDone, rowsTotal, tokens) -> {};

    /**
     * @param rowsDone rows finished in this run (written)
     * @param rowsTotal rows this run processes
     * @param tokens tokens generated so far in this run, by generators and judge together
     */
    void update(long rowsDone, long rowsTotal, long tokens);
}
