package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Logits of the tiny DeBERTa-v2 classifier against Hugging Face's own modeling_deberta_v2.py
 * (tools/fixtures/make_deberta_fixtures.py): every window of every golden text within 1e-4.
 */
class DebertaParityTest {
    @AutoClose
    private final PromptGuard guard = PromptGuard.load(TinyPromptGuard.dir(), 2);

    @Test
    void logitsMatchHuggingFace() {
        List<Object> cases = TinyPromptGuard.cases("logits");
        assertTrue(cases.size() >= 10);
        int windows = 0;
        double worst = 0;
        for (Object o : cases) {
            Map<String, Object> c = Json.asObject(o, "case");
            String text = Json.asString(c.get("text"), "text");
            List<Object> goldenWindows = Json.asArray(c.get("windows"), "windows");
            List<Object> goldenLogits = Json.asArray(c.get("logits"), "logits");
            List<int[]> mine = guard.tokenizer().windows(text, guard.windowTokens());
            assertEquals(goldenWindows.size(), mine.size(), text);
            for (int w = 0; w < mine.size(); w++) {
                assertArrayEquals(TinyPromptGuard.ints(goldenWindows.get(w)), mine.get(w), text);
                float[] logits = guard.model().logits(mine.get(w));
                List<Object> expected = Json.asArray(goldenLogits.get(w), "logits");
                for (int k = 0; k < logits.length; k++) {
                    double diff = Math.abs(Json.asDouble(expected.get(k), "logit") - logits[k]);
                    worst = Math.max(worst, diff);
                    assertTrue(diff < 1e-4, text + " window " + w + " logit " + k + ": off by " + diff);
                }
                windows++;
            }
        }
        assertTrue(windows > cases.size(), "the long text should have been cut into several windows");
        System.out.printf("DeBERTa parity: %d windows, largest logit difference %.2e%n", windows, worst);
    }
}
