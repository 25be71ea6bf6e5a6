package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatagenPipelineTest {
    private static final String JUDGE_ANSWER = "#### Output for Text 1\nRating: 4\nRationale: good\n\n"
            + "#### Output for Text 2\nRating: 2\nRationale: bad";

    private static List<PromptRow> prompts(int n) {
        List<PromptRow> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(new PromptRow(i, "q" + i));
        }
        return p;
    }

    @Test
    void rowsComeInInputOrderWithManyRequestsInFlight() {
        // Later rows answer faster, so rows finish out of order.
        FakeBackend a = new FakeBackend("a", q -> "A:" + q, q -> q.startsWith("q") ? 60L - Long.parseLong(q.substring(1)) * 4 : 1L);
        FakeBackend b = new FakeBackend("b", q -> "B:" + q, q -> 20L);
        FakeBackend judge = new FakeBackend("judge", q -> JUDGE_ANSWER, q -> 5L);
        List<long[]> progress = new ArrayList<>();
        DatagenPipeline p = new DatagenPipeline(List.of(a, b), judge, new UltraFeedback(UltraFeedbackAspect.OVERALL_RATING),
                4, (done, total, tokens) -> progress.add(new long[] {done, total, tokens}));
        List<DatagenRow> rows = p.process(prompts(12));
        assertEquals(12, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            DatagenRow r = rows.get(i);
            assertEquals(i, r.index());
            assertEquals(List.of("A:q" + i, "B:q" + i), r.generations());
            assertEquals(List.of("a", "b"), r.modelNames());
            assertEquals(List.of(BigInteger.valueOf(4), BigInteger.TWO), r.judgement().ratings());
            Map<String, Object> json = r.toJson();
            assertEquals(List.of(Map.of("role", "user", "content", "q" + i), Map.of("role", "assistant", "content", "A:q" + i)),
                    json.get("chosen"));
            assertEquals(List.of(Map.of("role", "user", "content", "q" + i), Map.of("role", "assistant", "content", "B:q" + i)),
                    json.get("rejected"));
            assertNull(json.get("no_pair_reason"));
            assertNull(json.get("error"));
        }
        // Four rows in flight: each generator had four requests outstanding at once.
        assertEquals(4, a.maxInFlight.get());
        assertEquals(4, b.maxInFlight.get());
        assertEquals(12, judge.requests.get());
        assertEquals(12, progress.size());
        assertEquals(12, progress.getLast()[0]);
        assertEquals(12 * 3 * 3, progress.getLast()[2], "3 tokens per answer, 3 answers per row");
    }

    @Test
    void aFailedGenerationOrJudgementIsKeptWithItsErrorAndTheRunGoesOn() {
        FakeBackend a = new FakeBackend("a", q -> {
            if (q.equals("q1")) {
                throw new IllegalStateException("out of memory");
            }
            return "A:" + q;
        }, q -> 2L);
        FakeBackend b = new FakeBackend("b", q -> "B:" + q, q -> 2L);
        FakeBackend judge = new FakeBackend("judge", q -> {
            if (q.contains("A:q2")) {
                throw new IllegalStateException("judge down");
            }
            return q.contains("A:q3") ? "I cannot rate these." : JUDGE_ANSWER;
        }, q -> 2L);
        List<DatagenRow> rows = new DatagenPipeline(List.of(a, b), judge,
                new UltraFeedback(UltraFeedbackAspect.HONESTY), 2, DatagenProgress.NONE).process(prompts(5));
        assertEquals(5, rows.size());
        assertEquals("generation 1 (a) failed: out of memory", rows.get(1).error());
        assertEquals(java.util.Arrays.asList(null, "B:q1"), rows.get(1).generations());
        assertNull(rows.get(1).toJson().get("ratings"));
        assertEquals("the row was not judged", rows.get(1).toJson().get("no_pair_reason"));
        assertEquals("judge (judge) failed: judge down", rows.get(2).error());
        Map<String, Object> unrated = rows.get(3).toJson();
        assertNull(unrated.get("error"));
        assertEquals(java.util.Arrays.asList((Object) null), unrated.get("ratings"));
        assertEquals("the judge's answer has 1 rating sections for 2 generations", unrated.get("no_pair_reason"));
        assertEquals("I cannot rate these.", unrated.get("judge_output"));
        assertTrue(rows.get(4).preference().hasPair());
        assertNull(rows.get(0).error());
    }

    @Test
    void typedAspectsWriteTypesColumns() {
        FakeBackend a = new FakeBackend("a", q -> "A", q -> 1L);
        FakeBackend judge = new FakeBackend("judge",
                q -> "Type: 1, 2\nRationale: r1\nRating: 5\nRationale: s1\n\nType: None\nRationale: r2\nRating: 3\nRationale: s2",
                q -> 1L);
        DatagenRow row = new DatagenPipeline(List.of(a, a), judge, new UltraFeedback(UltraFeedbackAspect.TRUTHFULNESS), 1,
                DatagenProgress.NONE).process(prompts(1)).getFirst();
        Map<String, Object> json = row.toJson();
        assertEquals(DatagenRow.columns(UltraFeedbackAspect.TRUTHFULNESS), List.copyOf(json.keySet()));
        assertEquals(java.util.Arrays.asList(BigInteger.ONE, null), json.get("types"));
        assertEquals(List.of("s1", "s2"), json.get("rationales-for-ratings"));
        assertEquals(List.of("r1", "r2"), json.get("rationales"));
    }
}
