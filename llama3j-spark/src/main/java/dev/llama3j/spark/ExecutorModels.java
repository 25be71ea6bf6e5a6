package dev.llama3j.spark;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The models of one executor JVM: loaded on the first task that needs them, then shared by every
 * later task and partition that names the same models, so an executor loads its weights once per
 * job, not once per partition. Tasks that run at the same time in one executor (local mode, or
 * {@code spark.task.cpus} below {@code spark.executor.cores}) share the same models and take turns
 * on them ({@link DatagenPartition}). Kept until the JVM exits; Spark ends executors with the
 * application.
 *
 * <p>Static state is the point: Spark ships the job's functions to executors by serialization, so
 * anything held by a function instance would be loaded again per task.
 */
final class ExecutorModels {
    private static final Map<String, AutoCloseable> LOADED = new HashMap<>();
    private static int loads;
    private static boolean closeHookAdded;

    private ExecutorModels() {
    }

    /**
     * The value loaded for {@code key} (the model specs and load options, as text), loading it with
     * {@code load} if this JVM has none yet. Callers asking for the same key while it loads wait for
     * that one load.
     */
    @SuppressWarnings("unchecked")
    static synchronized <T extends AutoCloseable> T get(String key, Supplier<T> load) {
        AutoCloseable value = LOADED.get(key);
        if (value == null) {
            value = load.get();
            LOADED.put(key, value);
            loads++;
            if (!closeHookAdded) {
                Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "llama3j-models-close"));
                closeHookAdded = true;
            }
        }
        return (T) value;
    }

    /** How many times this JVM loaded models (the tests check that partitions share one load). */
    static synchronized int loads() {
        return loads;
    }

    /** Closes and forgets every loaded value. */
    static synchronized void closeAll() {
        for (AutoCloseable value : LOADED.values()) {
            try {
                value.close();
            } catch (Exception e) {
                System.err.println("llama3j-spark: closing models failed: " + e);
            }
        }
        LOADED.clear();
    }
}
