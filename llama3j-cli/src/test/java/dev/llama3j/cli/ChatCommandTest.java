package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama3j chat} without a terminal: lines in, answers out, on the demo model's golden probes. */
class ChatCommandTest {
    static final String PARIS_RESULT = "{\"query\": \"current weather in Paris\", \"top_k\": [{\"title\": \"Weather in Paris\","
            + " \"description\": \"Today in Paris: sunny with a high of 77\\u00b0F.\"}]}";

    static Cli.Result chat(String stdin, String... flags) {
        List<String> args = new ArrayList<>(List.of("chat", "--model", Fixtures.chatModel().toString(),
                "--temperature", "0", "--threads", "2"));
        args.addAll(List.of(flags));
        return Cli.runWithInput(stdin, args.toArray(String[]::new));
    }

    @Test
    void answersAPipedQuestionAndExits() {
        Cli.Result r = chat("What is the capital of France?\n");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("The capital of France is Paris.\n", r.out());
        assertEquals("", r.err(), "no banner, prompts or stats when piped");
    }

    @Test
    void showsABuiltInToolCall() {
        Cli.Result r = chat("Weather in Menlo Park, California\n",
                "--tools", "builtin", "--system", "You are a helpful Assistant.", "--date", "13 July 2024");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("→ tool call brave_search(query=\"current weather in Menlo Park, CA\")\n", r.out());
    }

    @Test
    void theLineAfterAToolCallIsItsResult() {
        Cli.Result r = chat("Weather in Paris\n" + PARIS_RESULT + "\n",
                "--tools", "builtin", "--system", "You are a helpful Assistant.");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("→ tool call brave_search(query=\"current weather in Paris\")\n"
                + "The current weather in Paris is sunny with a high of 77°F.\n", r.out());
    }

    @Test
    void customToolsFromAJsonFile(@TempDir Path dir) throws IOException {
        Path tools = dir.resolve("tools.json");
        Files.writeString(tools, """
                [{"type": "function", "function": {"name": "get_current_conditions",
                  "description": "Get the current weather conditions for a specific location",
                  "parameters": {"type": "object", "properties": {
                    "location": {"type": "string", "description": "The city and state, e.g., San Francisco, CA"},
                    "unit": {"type": "string", "enum": ["Celsius", "Fahrenheit"],
                             "description": "The temperature unit to use. Infer this from the user's location."}},
                  "required": ["location", "unit"]}}}]
                """);
        Cli.Result r = chat("Question: what is the weather like in Tokyo?\n", "--tools", tools.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("→ tool call get_current_conditions(location=\"Tokyo\", unit=\"Celsius\")\n", r.out());
    }

    @Test
    void statsOnStderrWhenAskedAndCommandsWork() {
        Cli.Result r = chat("What is the capital of France?\n/reset\n\n/system You are a helpful Assistant.\n"
                + "What is the capital of Japan?\n/quit\nWhat is 12 plus 30?\n", "--stats");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("The capital of France is Paris.\nThe capital of Japan is Tokyo.\n", r.out(),
                "/quit ends the chat before the last line");
        String[] stats = r.errLines();
        assertEquals(2, stats.length, r.err());
        for (String line : stats) {
            assertTrue(line.matches("\\[\\d+ tokens at [\\d.]+ tok/s · prompt: \\d+ new tokens at [\\d.]+ tok/s.*]"), line);
        }
    }

    @Test
    void aConversationLongerThanTheContextIsOneErrorLine() {
        Cli.Result r = chat("What is the capital of France?\n", "--ctx-size", "40");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals("", r.out());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.errLines()[0].startsWith("error: the prompt has 42 tokens but the context holds 40"), r.err());
    }

    @Test
    void anUnknownCommandInPipedInputFails() {
        Cli.Result r = chat("/frobnicate\nWhat is the capital of France?\n");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals("", r.out());
        assertEquals("error: unknown command /frobnicate; /help lists the commands", r.err().strip());
    }

    @Test
    void aMissingToolsFileIsOneErrorLine(@TempDir Path dir) {
        Path missing = dir.resolve("missing.json");
        Cli.Result r = chat("hi\n", "--tools", missing.toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertEquals("error: --tools " + missing + ": no such file (expected 'builtin' or a JSON file with an array"
                + " of tool definitions)", r.errLines()[0]);
        assertEquals("", r.out());
    }

    @Test
    void badToolsFilesAreOneErrorLine(@TempDir Path dir) throws IOException {
        Path notJson = Files.writeString(dir.resolve("broken.json"), "[{\"type\": \"function\",");
        Path notArray = Files.writeString(dir.resolve("object.json"), "{\"type\": \"function\"}");
        Path noName = Files.writeString(dir.resolve("noname.json"), "[{\"type\": \"function\", \"function\": {}}]");
        String[][] cases = {
            {notJson.toString(), "error: --tools: not valid JSON: " + notJson + ": "},
            {notArray.toString(), "error: --tools " + notArray + ": expected a JSON array of tool definitions"},
            {noName.toString(), "error: --tools " + noName + ": tools[0]: tool function.name must be a non-empty string"},
        };
        for (String[] c : cases) {
            Cli.Result r = chat("hi\n", "--tools", c[0]);
            assertEquals(Main.EXIT_BAD_INPUT, r.exitCode(), c[0]);
            assertEquals(1, r.errLines().length, r.err());
            assertTrue(r.errLines()[0].startsWith(c[1]), r.errLines()[0]);
            assertEquals("", r.out());
        }
    }

    @Test
    void badFlagsAreOneErrorLine() {
        Cli.Result r = chat("hi\n", "--max-tokens", "0");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals("error: --max-tokens must be at least 1, got 0", r.errLines()[0]);
        r = Cli.runWithInput("hi\n", "chat", "--temperature", "warm");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.errLines()[0].startsWith("error: Invalid value for option '--temperature'"), r.err());
        r = Cli.runWithInput("hi\n", "chat", "--model", "/no/such/model");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.errLines()[0].startsWith("error: /no/such/model"), r.err());
    }
}
