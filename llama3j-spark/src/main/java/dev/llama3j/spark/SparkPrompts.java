package dev.llama3j.spark;

import dev.llama3j.error.InvalidRequestException;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The job's prompts as a Spark {@code Dataset}: Parquet (a file or a folder of part files, the
 * default), or JSON lines when the name ends in {@code .jsonl}, {@code .ndjson} or {@code .json}. Only
 * the prompt column is kept, as a string column of that name, with the row's position in the input
 * ({@link #POSITION}) so the output can be put back in input order.
 */
final class SparkPrompts {
    /** The column with each prompt's 0-based position in the input. */
    static final String POSITION = "position";

    private SparkPrompts() {
    }

    static Dataset<Row> read(SparkSession spark, String path, String column) {
        String lower = path.toLowerCase(Locale.ROOT);
        boolean json = lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json");
        Dataset<Row> all = json ? spark.read().json(path) : spark.read().parquet(path);
        if (!Arrays.asList(all.columns()).contains(column)) {
            throw new InvalidRequestException(path + ": no column \"" + column + "\" (columns: "
                    + String.join(", ", all.columns()) + "); choose one with --column", "column");
        }
        // zipWithIndex numbers rows in file order without moving them to one partition
        Dataset<Row> prompts = all.select(functions.col(column).cast("string").as(column));
        return spark.createDataFrame(prompts.javaRDD().zipWithIndex().map(p -> org.apache.spark.sql.RowFactory.create(
                p._2(), p._1().isNullAt(0) ? null : p._1().getString(0))), schema(column));
    }

    private static org.apache.spark.sql.types.StructType schema(String column) {
        return new org.apache.spark.sql.types.StructType()
                .add(POSITION, org.apache.spark.sql.types.DataTypes.LongType, false)
                .add(column, org.apache.spark.sql.types.DataTypes.StringType, true);
    }
}
