package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.llama3j.json.Json;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of row validates against row.schema.json; rows that break it do not. */
class DatagenRowSchemaTest {
    private static DatagenRow row(UltraFeedbackAspect aspect, List<String> generations, Judgement j, String error) {
        return new DatagenRow(7, "q", generations, List.of("a", "b"), aspect, j, "judge", j == null ? null : "raw",
                j == null ? null : Preference.of(j.ratings(), generations.size()), error);
    }

    @Test
    void everyKindOfRowValidates() {
        UltraFeedback overall = new UltraFeedback(UltraFeedbackAspect.OVERALL_RATING);
        UltraFeedback truth = new UltraFeedback(UltraFeedbackAspect.TRUTHFULNESS);
        List<String> gens = List.of("x", "y");
        for (DatagenRow r : List.of(
                row(UltraFeedbackAspect.OVERALL_RATING, gens, overall.parse("Rating: 5\nRationale: a\n\nRating: 1\nRationale: b", 2), null),
                row(UltraFeedbackAspect.OVERALL_RATING, gens, overall.parse("Rating: 3\nRationale: a\n\nRating: 3\nRationale: b", 2), null),
                row(UltraFeedbackAspect.OVERALL_RATING, gens, overall.parse("Rating: five\nRationale: a", 2), null),
                row(UltraFeedbackAspect.OVERALL_RATING, gens, overall.parse("nonsense", 2), null),
                row(UltraFeedbackAspect.OVERALL_RATING, Arrays.asList(null, "y"), null, "generation 1 (a) failed: boom"),
                row(UltraFeedbackAspect.TRUTHFULNESS, gens,
                        truth.parse("Type: 1\nRationale: a\nRating: 5\nRationale: b\n\nType: None\nRationale: c\nRating: 2\nRationale: d", 2), null),
                row(UltraFeedbackAspect.TRUTHFULNESS, gens, null, "judge (j) failed: down"))) {
            RowSchema.assertValid(Json.writeCompact(r.toJson()));
        }
    }

    @Test
    void rowsThatBreakTheSchemaAreCaught() {
        Map<String, Object> good = row(UltraFeedbackAspect.OVERALL_RATING, List.of("x", "y"),
                new Judgement(List.of(BigInteger.ONE, BigInteger.TWO), List.of("a", "b"), null, null, null), null).toJson();
        Map<String, Object> bad = new java.util.LinkedHashMap<>(good);
        bad.put("ratings", List.of(0.5));
        assertFalse(RowSchema.errors(Json.writeCompact(bad)).isEmpty());
        bad = new java.util.LinkedHashMap<>(good);
        bad.remove("chosen");
        assertFalse(RowSchema.errors(Json.writeCompact(bad)).isEmpty());
        bad = new java.util.LinkedHashMap<>(good);
        bad.put("chosen", null);
        assertFalse(RowSchema.errors(Json.writeCompact(bad)).isEmpty(), "a rejected without a chosen");
    }
}
