package dev.llama3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.Judgement;
import dev.llama3j.datagen.Preference;
import dev.llama3j.datagen.RowSchemaCheck;
import dev.llama3j.datagen.UltraFeedbackAspect;
import dev.llama3j.json.Json;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Rows of every kind through the Spark schema and back to JSON: the local JSON line, schema-valid. */
class SparkRowsTest {
    private static final List<String> NAMES = List.of("a", "b");

    @Test
    void typedJudgedRowRoundTripsThroughSpark() {
        List<BigInteger> ratings = Arrays.asList(BigInteger.valueOf(4), BigInteger.TWO);
        Judgement j = new Judgement(ratings, List.of("good", "weak"), Arrays.asList(BigInteger.ONE, null),
                Arrays.asList("r1", null), null);
        DatagenRow row = new DatagenRow(3, "Hi", List.of("Hello!", "Hm."), NAMES, UltraFeedbackAspect.HELPFULNESS, j,
                "judge", "Type: 1 ...", Preference.of(ratings, 2), null);
        assertEquals(json(row.toJson()), throughSpark(row));
    }

    @Test
    void failedGenerationRowRoundTripsThroughSpark() {
        DatagenRow row = new DatagenRow(0, "Hi", Arrays.asList(null, "Hm."), NAMES, UltraFeedbackAspect.OVERALL_RATING,
                null, "judge", null, null, "generation 1 (a) failed: boom");
        assertEquals(json(row.toJson()), throughSpark(row));
    }

    @Test
    void ratingBeyond64BitsIsStoredAsNullAndNamedInTheError() {
        BigInteger huge = BigInteger.TWO.pow(70);
        List<BigInteger> ratings = Arrays.asList(huge, BigInteger.ONE);
        DatagenRow row = new DatagenRow(1, "Hi", List.of("x", "y"), NAMES, UltraFeedbackAspect.HONESTY,
                new Judgement(ratings, List.of("p", "q"), null, null, null), "judge", "Rating: " + huge,
                Preference.of(ratings, 2), null);
        @SuppressWarnings("unchecked")
        Map<String, Object> spark = (Map<String, Object>) throughSpark(row);
        assertEquals(Arrays.asList(null, 1L), spark.get("ratings"));
        assertEquals("a rating outside the 64-bit range is stored as null (ratings " + huge + ")", spark.get("error"));
    }

    /** The row as a one-row DataFrame, written by Spark as JSON, checked against the schema, parsed. */
    private static Object throughSpark(DatagenRow row) {
        SparkSession spark = TestSpark.session();
        spark.conf().set("spark.sql.jsonGenerator.ignoreNullFields", "false");
        StructType schema = SparkRows.schema(row.aspect());
        String line = spark.createDataFrame(List.of(SparkRows.toRow(row, schema)), schema).toJSON().first();
        RowSchemaCheck.assertValid(line);
        return Json.parse(line);
    }

    private static Object json(Map<String, Object> value) {
        return Json.parse(Json.writeCompact(value));
    }
}
