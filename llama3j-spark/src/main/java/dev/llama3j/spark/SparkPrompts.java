package dev.llama3j.spark;

import dev.llama3j.error.InvalidRequestException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The job's prompts as a Spark {@code Dataset} of two columns: {@link #INDEX}, each prompt's 0-based
 * position in the input (the key of its output row, as {@code PromptRow.index} locally), and the
 * prompt column, as text. The input is Parquet (a file or a folder of part files, the default) or
 * JSON lines when the name ends in {@code .jsonl}, {@code .ndjson} or {@code .json}; a malformed
 * JSON line fails the job. Positions follow Spark's read order: for one file, its row order.
 */
final class SparkPrompts {
    /** The column with each prompt's position in the input. */
    static final String INDEX = "index";

    private SparkPrompts() {
    }

    static Dataset<Row> read(SparkSession spark, String path, String column) {
        if (column.equals(INDEX)) {
            throw new InvalidRequestException("--column " + INDEX + ": that name is the output's row position;"
                    + " rename the prompt column", "column");
        }
        if (!HadoopPaths.exists(spark, path)) {
            throw new InvalidRequestException("prompts file " + path + " does not exist", "prompts");
        }
        String lower = path.toLowerCase(Locale.ROOT);
        boolean json = lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json");
        Dataset<Row> all = json ? spark.read().option("mode", "FAILFAST").json(path) : spark.read().parquet(path);
        if (!Arrays.asList(all.columns()).contains(column)) {
            throw new InvalidRequestException(path + ": no column '" + column + "' (columns: "
                    + String.join(", ", all.columns()) + "); choose one with --column", "column");
        }
        Dataset<Row> prompts = all.select(functions.col(column).cast("string"));
        // zipWithIndex numbers rows in read order without gathering them in one partition
        StructType schema = new StructType()
                .add(INDEX, DataTypes.LongType, false)
                .add(column, DataTypes.StringType, true);
        return spark.createDataFrame(prompts.javaRDD().zipWithIndex()
                .map(p -> RowFactory.create(p._2(), p._1().isNullAt(0) ? null : p._1().getString(0))), schema);
    }
}
