package dev.llama3j.spark;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * {@code llama3j datagen} on Apache Spark: prompts from Parquet or JSON lines become a
 * {@code Dataset}, each partition goes through the same pipeline the command runs
 * ({@link DatagenPartition}: one engine per executor JVM, continuous batching within the partition),
 * and the rows are written as Parquet. Rows carry {@code index}, the prompt's position in the input;
 * Parquet part files hold them in input order within each partition.
 *
 * <p>Retries are Spark's: a failed task runs again from its partition's prompts, and only the output
 * of the attempt that commits is kept, so the output has each prompt once. A row whose generation
 * or judgement fails is written with its {@code error}, as locally.
 *
 * <pre>
 * spark-submit --class dev.llama3j.spark.DatagenJob llama3j-spark.jar \
 *     --prompts prompts.parquet --generator /models/a --generator /models/b@temperature=0.7,seed=1 \
 *     --judge /models/judge --out rows.parquet
 * </pre>
 */
public final class DatagenJob {
    private DatagenJob() {
    }

    public static void main(String[] args) {
        DatagenJobArgs parsed;
        try {
            parsed = DatagenJobArgs.parse(args);
        } catch (Llama3jException e) {
            System.err.println("llama3j datagen: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("llama3j datagen").getOrCreate();
        int exit = 0;
        try {
            run(spark, parsed);
        } catch (RuntimeException e) {
            Llama3jException bad = badInput(e);
            if (bad == null) {
                throw e;
            }
            System.err.println("llama3j datagen: " + bad.getMessage());
            exit = 2;
        } finally {
            spark.stop();
        }
        if (exit != 0) {
            System.exit(exit);
        }
    }

    /**
     * The llama3j error behind a failure, if any: bad input found on the driver, or on an executor
     * (a model path missing there, a null prompt), which reaches the driver wrapped in Spark's
     * job-failure exceptions. Null for anything else.
     */
    static Llama3jException badInput(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Llama3jException l) {
                return l;
            }
        }
        return null;
    }

    /** Reads the prompts, runs the pipeline on every partition and writes the Parquet output. */
    static void run(SparkSession spark, DatagenJobArgs args) {
        if (HadoopPaths.exists(spark, args.out())) {
            throw new InvalidRequestException("--out " + args.out() + " already exists; the job writes a new folder"
                    + " (Spark's retries keep it free of duplicates, so there is nothing to resume)", "out");
        }
        Dataset<Row> prompts = SparkPrompts.read(spark, args.prompts(), args.column());
        if (args.partitions() > 0) {
            prompts = prompts.repartition(args.partitions());
        }
        StructType schema = SparkRows.schema(args.aspect());
        Dataset<Row> rows = prompts.mapPartitions(new DatagenPartition(args, schema), Encoders.row(schema));
        rows.write().parquet(args.out());
    }
}
