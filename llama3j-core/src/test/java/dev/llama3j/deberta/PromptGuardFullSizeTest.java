package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llama3j.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parity at Prompt Guard's real size (hidden 768, 12 layers, a 512-token window), on the random model
 * that {@code make_deberta_fixtures.py --full-size DIR} writes (~340 MB, not checked in). Runs only with
 * {@code -Dllama3j.debertaFullSize=DIR}; prints the time of one forward pass.
 */
class PromptGuardFullSizeTest {
    @Test
    void logitsMatchHuggingFaceAtFullSize() {
        String dir = System.getProperty("llama3j.debertaFullSize");
        assumeTrue(dir != null, "set -Dllama3j.debertaFullSize=DIR (see tools/fixtures/make_deberta_fixtures.py)");
        Map<String, Object> golden = Json.asObject(Json.parseFile(Path.of(dir, "golden.json")), "golden.json");
        int[] ids = TinyPromptGuard.ints(golden.get("ids"));
        try (PromptGuard pg = PromptGuard.load(Path.of(dir))) {
            long t0 = System.nanoTime();
            float[] logits = pg.model().logits(ids);
            System.out.printf("DeBERTa full size: %d tokens in %.2f s%n", ids.length, (System.nanoTime() - t0) / 1e9);
            List<Object> expected = Json.asArray(golden.get("logits"), "logits");
            for (int k = 0; k < logits.length; k++) {
                double diff = Math.abs(Json.asDouble(expected.get(k), "logit") - logits[k]);
                assertTrue(diff < 1e-4, "logit " + k + " off by " + diff);
            }
        }
    }
}
