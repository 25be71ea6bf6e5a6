package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} and {@code chat} with {@code --grammar} / {@code --json-schema}, and their bad files. */
class GrammarFlagsTest {
    @TempDir
    Path dir;

    @Test
    void generateFollowsAGrammar() throws Exception {
        Path g = Files.writeString(dir.resolve("list.gbnf"), "root ::= (\"- \" [a-z]{1,8} \"\\n\"){1,3}\n");
        for (int seed = 0; seed < 3; seed++) {
            Cli.Result r = Cli.run("generate", "--model", Fixtures.chatModel().toString(), "-p", "List:", "--grammar",
                    g.toString(), "--temperature", "1", "--seed", Integer.toString(seed), "--json");
            assertEquals(0, r.exitCode(), r.err());
            String text = new ObjectMapper().readTree(r.out()).get("text").asText();
            assertTrue(text.matches("(- [a-z]{1,8}\\n){1,3}"), text);
        }
    }

    @Test
    void chatAnswersInTheSchema() throws Exception {
        Path schema = Files.writeString(dir.resolve("capital.json"), "{\"type\": \"object\", \"properties\": {\"capital\":"
                + " {\"type\": \"string\", \"maxLength\": 20}}, \"required\": [\"capital\"], \"additionalProperties\": false}");
        Cli.Result r = Cli.runWithInput("What is the capital of France?\n", "chat", "--model",
                Fixtures.chatModel().toString(), "--json-schema", schema.toString(), "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode answer = new ObjectMapper().readTree(r.out().strip());
        assertTrue(answer.get("capital").isTextual() && answer.size() == 1, r.out());
    }

    @Test
    void badFilesAreOneErrorLineNamingTheFile() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.gbnf"), "root ::= item\n");
        Cli.Result r = Cli.run("generate", "-p", "x", "--grammar", bad.toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.errLines()[0].contains(bad.toString()) && r.errLines()[0].contains("item"), r.err());

        Path multipleOf = Files.writeString(dir.resolve("s.json"), "{\"type\": \"number\", \"multipleOf\": 2}");
        r = Cli.run("generate", "-p", "x", "--json-schema", multipleOf.toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("multipleOf"), r.err());

        r = Cli.run("generate", "-p", "x", "--json-schema", dir.resolve("missing.json").toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("cannot read the --json-schema file"), r.err());

        r = Cli.run("chat", "--grammar", bad.toString(), "--json-schema", multipleOf.toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("not both"), r.err());
    }
}
