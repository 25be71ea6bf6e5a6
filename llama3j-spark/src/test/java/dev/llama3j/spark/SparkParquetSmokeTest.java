package dev.llama3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkParquetSmokeTest {
    @Test
    void localSessionWritesAndReadsParquetOnThisJdk(@TempDir Path dir) throws Exception {
        try (SparkSession spark = SparkSession.builder().master("local[2]").appName("smoke")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate()) {
            Dataset<String> words = spark.createDataset(List.of("a", "b", "c"), Encoders.STRING());
            words.toDF("instruction").write().parquet(dir.resolve("p").toString());
            List<Row> back = spark.read().parquet(dir.resolve("p").toString()).orderBy("instruction").collectAsList();
            assertEquals(List.of("a", "b", "c"), back.stream().map(r -> r.getString(0)).toList());
        }
    }
}
