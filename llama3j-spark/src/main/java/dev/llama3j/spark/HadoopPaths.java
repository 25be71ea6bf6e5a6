package dev.llama3j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** Paths as Spark reads and writes them (local, HDFS, S3… through Hadoop's file systems), seen from the driver. */
final class HadoopPaths {
    private HadoopPaths() {
    }

    static boolean exists(SparkSession spark, String path) {
        Path p = new Path(path);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look up " + path + ": " + e.getMessage(), e);
        }
    }
}
