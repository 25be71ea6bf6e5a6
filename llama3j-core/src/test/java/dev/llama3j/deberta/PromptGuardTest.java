package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scores as Meta's reference computes them, from the golden logits; windows; bad model folders. */
class PromptGuardTest {
    @AutoClose
    private final PromptGuard guard = PromptGuard.load(TinyPromptGuard.dir(), 1);

    private static double[] softmax(List<Object> logits, double temperature) {
        double[] p = new double[logits.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(Json.asDouble(logits.get(i), "logit") / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static Map<String, Object> goldenCase(int index) {
        return Json.asObject(TinyPromptGuard.cases("logits").get(index), "case");
    }

    @Test
    void scoresAreSoftmaxProbabilities() {
        for (double temperature : new double[] {1.0, 3.0}) {
            Map<String, Object> c = goldenCase(1);
            double[] p = softmax(Json.asArray(Json.asArray(c.get("logits"), "l").get(0), "l"), temperature);
            PromptGuardScores s = guard.scores(Json.asString(c.get("text"), "text"), temperature);
            assertEquals(p[0], s.benign(), 1e-5);
            assertEquals(p[1], s.injection(), 1e-5);
            assertEquals(p[2], s.jailbreak(), 1e-5);
            assertEquals(p[2], s.jailbreakScore(), 1e-5);
            assertEquals(p[1] + p[2], s.injectionScore(), 1e-5);
            assertEquals(1, s.windows());
        }
    }

    @Test
    void aLongTextTakesTheHighestScoreOfItsWindows() {
        List<Object> cases = TinyPromptGuard.cases("logits");
        Map<String, Object> c = goldenCase(cases.size() - 1);
        List<Object> logits = Json.asArray(c.get("logits"), "logits");
        double jailbreak = 0;
        double injection = 0;
        for (Object l : logits) {
            double[] p = softmax(Json.asArray(l, "l"), 1.0);
            jailbreak = Math.max(jailbreak, p[2]);
            injection = Math.max(injection, p[1] + p[2]);
        }
        PromptGuardScores s = guard.scores(Json.asString(c.get("text"), "text"));
        assertEquals(logits.size(), s.windows());
        assertTrue(s.windows() > 1);
        assertEquals(jailbreak, s.jailbreakScore(), 1e-5);
        assertEquals(injection, s.injectionScore(), 1e-5);
        assertEquals(s.injectionScore(), s.injection() + s.jailbreak(), 1e-12);
    }

    @Test
    void aNonPositiveTemperatureIsRefused() {
        assertThrows(InvalidRequestException.class, () -> guard.scores("hi", 0));
    }

    private static Path copyOfFixture(Path dir) throws Exception {
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            Files.copy(TinyPromptGuard.dir().resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void aMissingTensorIsNamed(@TempDir Path dir) throws Exception {
        copyOfFixture(dir);
        Path st = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        String latin = new String(bytes, StandardCharsets.ISO_8859_1);
        // same length, so the header stays valid: the checkpoint now lacks classifier.bias
        Files.write(st, latin.replace("\"classifier.bias\"", "\"classifier.biaz\"").getBytes(StandardCharsets.ISO_8859_1));
        var e = assertThrows(ModelFormatException.class, () -> PromptGuard.load(dir, 1));
        assertTrue(e.getMessage().contains("'classifier.bias'"), e.getMessage());
    }

    /** Loading the fixture with its config.json edited fails with a message that contains {@code expected}. */
    private static void assertConfigRefused(Path dir, String regex, String replacement, String... expected)
            throws Exception {
        copyOfFixture(dir);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst(regex, replacement));
        var e = assertThrows(ModelFormatException.class, () -> PromptGuard.load(dir, 1));
        for (String part : expected) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void aClassifierWithOtherLabelsIsRefused(@TempDir Path dir) throws Exception {
        assertConfigRefused(dir, "\"JAILBREAK\"", "\"OTHER\"", "JAILBREAK", "id2label");
    }

    @Test
    void aTokenizerOfAnotherSizeIsRefused(@TempDir Path dir) throws Exception {
        assertConfigRefused(dir, "\"vocab_size\": \\d+", "\"vocab_size\": 7", "vocab_size");
    }
}
