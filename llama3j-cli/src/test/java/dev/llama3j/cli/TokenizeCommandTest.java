package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenizeCommandTest {
    @Test
    void matchesGoldensInBothModes() {
        List<Map<String, Object>> cases = Fixtures.goldenList("tokenizer");
        for (int i : new int[] {0, 7, 14, 21, 22}) {
            Map<String, Object> c = cases.get(i);
            String text = (String) c.get("text");
            Cli.Result r = Cli.run("tokenize", "--model", Fixtures.chatModel().toString(), "--text", text, "--json");
            assertEquals(0, r.exitCode(), r.err());
            assertArrayEquals(Fixtures.ints(c.get("ids")),
                    Fixtures.ints(Json.asObject(Json.parse(r.out()), "out").get("ids")), text);
            Cli.Result plain = Cli.run("tokenize", "--model", Fixtures.chatModel().toString(), "--text", text,
                    "--no-special", "--json");
            assertArrayEquals(Fixtures.ints(c.get("ids_split_special")),
                    Fixtures.ints(Json.asObject(Json.parse(plain.out()), "out").get("ids")), text);
        }
    }

    @Test
    void plainOutputIsCommaSeparated() {
        Cli.Result r = Cli.run("tokenize", "--model", Fixtures.chatModel().toString(), "--text", "Hello, world!");
        assertEquals("9906,11,1917,0", r.out().strip());
    }
}
