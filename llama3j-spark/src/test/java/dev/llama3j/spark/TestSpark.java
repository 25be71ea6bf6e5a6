package dev.llama3j.spark;

import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session of this module's tests: starting Spark takes seconds, so every test
 * class shares it (surefire runs them in one JVM; Spark stops it at JVM exit). Master
 * {@code local[2,2]}: two task threads, like {@code local[2]}, and up to two attempts per task so the
 * retry test can fail a task once; the other tests check through {@link DatagenPartition}'s task hook
 * that none of their tasks ran twice.
 */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,2]")
                    .appName("llama3j-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.sql.warehouse.dir", Path.of("target/spark-warehouse").toAbsolutePath().toString())
                    .getOrCreate();
        }
        return session;
    }

    /** The embedded chat model checked into the repository. */
    static Path chatModel() {
        return Fixtures.repoRoot().resolve("models/tiny-llama-3.1-chat");
    }
}
