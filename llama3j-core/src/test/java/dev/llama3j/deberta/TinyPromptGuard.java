package dev.llama3j.deberta;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The checked-in tiny Prompt Guard shaped model ({@code models/tiny-prompt-guard}) and its goldens. */
final class TinyPromptGuard {
    private TinyPromptGuard() {}

    static Path dir() {
        return Fixtures.repoRoot().resolve("models/tiny-prompt-guard");
    }

    static Map<String, Object> goldens() {
        return Json.asObject(Json.parseFile(dir().resolve("goldens.json")), "goldens.json");
    }

    static List<Object> cases(String key) {
        return Json.asArray(goldens().get(key), key);
    }

    static int[] ints(Object list) {
        List<Object> l = Json.asArray(list, "ids");
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Json.asInt(l.get(i), "id");
        }
        return out;
    }
}
