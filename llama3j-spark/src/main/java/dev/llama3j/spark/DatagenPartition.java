package dev.llama3j.spark;

import dev.llama3j.LlamaOptions;
import dev.llama3j.datagen.ChatBackend;
import dev.llama3j.datagen.DatagenPipeline;
import dev.llama3j.datagen.DatagenProgress;
import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.ModelPool;
import dev.llama3j.datagen.ModelSpec;
import dev.llama3j.datagen.PromptRow;
import dev.llama3j.datagen.UltraFeedback;
import dev.llama3j.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * One partition of prompts through the datagen pipeline: the partition's rows go through
 * {@link DatagenPipeline} together ({@code --batch} rows in flight, so the engine batches many
 * sequences), on the executor's one {@link ModelPool} ({@link ExecutorModels}), one partition at a
 * time per executor, and come out as output rows in the partition's order. Spark ships this object to executors, so it holds only the
 * arguments; the models stay in the executor JVM between tasks.
 */
final class DatagenPartition implements MapPartitionsFunction<Row, Row> {
    /** Test-only: called before each output row leaves a task, to fail a task on purpose. */
    interface TaskHook {
        void beforeRow(int partition, int attempt, long index);
    }

    /** Set by tests (local mode runs tasks in the test's JVM); null in real runs. */
    static volatile TaskHook hook;

    /**
     * Tasks that share an executor's engine take turns: each partition's rows keep the engine busy
     * ({@code --batch} rows in flight), and the engine's request queue, which {@link DatagenJobArgs}
     * checks against one partition's load, is never asked to hold two partitions' at once. With
     * {@code spark.task.cpus} = {@code spark.executor.cores}, as the README advises, there is one task
     * per executor anyway.
     */
    private static final Object ONE_PIPELINE_AT_A_TIME = new Object();

    private final DatagenJobArgs args;
    private final StructType schema;

    DatagenPartition(DatagenJobArgs args, StructType schema) {
        this.args = args;
        this.schema = schema;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        List<PromptRow> prompts = new ArrayList<>();
        while (input.hasNext()) {
            Row r = input.next();
            long index = r.getLong(0);
            if (r.isNullAt(1)) {
                throw new InvalidRequestException(args.prompts() + ": the prompt of row " + index + " (column '"
                        + args.column() + "') is null", "column");
            }
            prompts.add(new PromptRow(index, r.getString(1)));
        }
        if (prompts.isEmpty()) {
            return List.<Row>of().iterator();
        }
        TaskContext task = TaskContext.get();
        int threads = args.threads() > 0 ? args.threads() : Math.max(1, task == null ? 1 : task.cpus());
        ModelPool pool = ExecutorModels.get(args.modelsKey(threads), () -> ModelPool.open(specs(),
                LlamaOptions.defaults().withThreads(threads).withParallel(args.parallel())
                        .withContextSize(args.contextSize()).withCacheType(args.cacheType())));
        List<ChatBackend> generators = args.generatorSpecs().stream().map(pool::backend).toList();
        DatagenPipeline pipeline = new DatagenPipeline(generators, pool.backend(args.judgeSpec()),
                new UltraFeedback(args.aspect()), args.batch(), DatagenProgress.NONE);
        List<DatagenRow> done;
        synchronized (ONE_PIPELINE_AT_A_TIME) {
            done = pipeline.process(prompts);
        }
        Iterator<DatagenRow> rows = done.iterator();
        TaskHook h = hook;
        // Rows leave one by one as Spark pulls them (into the Parquet writer), so a failure midway
        // leaves a partly written task output, which Spark's commit protocol must discard.
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                DatagenRow row = rows.next();
                if (h != null && task != null) {
                    h.beforeRow(task.partitionId(), task.attemptNumber(), row.index());
                }
                return SparkRows.toRow(row, schema);
            }
        };
    }

    /** Every spec with the flag it came from, as {@link ModelPool#open} wants them. */
    private Map<ModelSpec, String> specs() {
        Map<ModelSpec, String> specs = new LinkedHashMap<>();
        for (ModelSpec g : args.generatorSpecs()) {
            specs.putIfAbsent(g, "--generator");
        }
        specs.putIfAbsent(args.judgeSpec(), "--judge");
        return specs;
    }
}
