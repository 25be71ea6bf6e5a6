package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The GGUF path: a tokenizer built from a token list, merge list and token types (here taken from
 * tokenizer.json, as llama.cpp's converter would write them) agrees with the goldens.
 */
class FromVocabularyTest {
    @Test
    void agreesWithTheGoldens() {
        Map<String, Object> root = Json.asObject(Json.parseFile(Fixtures.tokenizerDir().resolve("tokenizer.json")), "root");
        Map<String, Object> model = Json.asObject(root.get("model"), "model");
        Map<String, Object> vocab = Json.asObject(model.get("vocab"), "vocab");
        String[] tokens = new String[128256];
        int[] types = new int[tokens.length];
        Arrays.fill(types, TokenType.NORMAL);
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            tokens[Json.asInt(e.getValue(), "id")] = e.getKey();
        }
        for (Object o : Json.asArray(root.get("added_tokens"), "added_tokens")) {
            Map<String, Object> t = Json.asObject(o, "added");
            int id = Json.asInt(t.get("id"), "id");
            tokens[id] = (String) t.get("content");
            types[id] = TokenType.CONTROL;
        }
        List<String> merges = new ArrayList<>();
        for (Object m : Json.asArray(model.get("merges"), "merges")) {
            merges.add((String) m);
        }
        Tokenizer t = Tokenizer.fromVocabulary(Arrays.asList(tokens), merges, types, 128000, 128009);
        assertEquals(128256, t.vocabSize());
        assertEquals(128000, t.bosId().orElseThrow());
        for (Map<String, Object> g : Fixtures.goldenList("tokenizer")) {
            String text = (String) g.get("text");
            assertArrayEquals(Fixtures.ints(g.get("ids")), t.encode(text, true), text);
            assertArrayEquals(Fixtures.ints(g.get("ids_split_special")), t.encode(text, false), text);
            assertEquals(g.get("decoded"), t.decode(Fixtures.ints(g.get("ids"))));
        }
    }
}
