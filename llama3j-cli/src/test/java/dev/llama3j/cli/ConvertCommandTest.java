package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.json.Json;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert}, then {@code generate} and {@code tokenize} on the GGUF file it wrote. */
class ConvertCommandTest {
    @TempDir
    static Path tmp;

    static Path randomF32;
    static Path chatBf16;

    @BeforeAll
    static void convert() {
        randomF32 = tmp.resolve("random-f32.gguf");
        Cli.Result r = Cli.run("convert", "--model", Fixtures.randomModel().toString(), "--out", randomF32.toString(),
                "--type", "f32");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("22 tensors (22 F32)"), r.err());
        // Written to a terminal only: the test's stderr is not one.
        assertFalse(r.err().contains("\r"), "no progress bar when stderr is not a terminal");

        chatBf16 = tmp.resolve("chat-bf16.gguf");
        r = Cli.run("convert", "-m", Fixtures.chatModel().toString(), "-o", chatBf16.toString(), "--type", "bf16");
        assertEquals(0, r.exitCode(), r.err());
    }

    private static String join(int[] ids) {
        return IntStream.of(ids).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }

    @Test
    void generateOnTheGgufGivesTheGoldenGreedyTokens() {
        for (Map<String, Object> c : Fixtures.goldenList("random_model")) {
            if (c.get("greedy24") == null) {
                continue;
            }
            Cli.Result r = Cli.run("generate", "--model", randomF32.toString(), "--prompt-ids",
                    join(Fixtures.ints(c.get("ids"))), "--temperature", "0", "--max-tokens", "24", "--json");
            assertEquals(0, r.exitCode(), r.err());
            Map<String, Object> o = Json.asObject(Json.parse(r.out().strip()), "output");
            int[] tokens = Fixtures.ints(o.get("tokens"));
            // Generation stops at an end id; the golden continuation runs through them.
            int[] golden = Fixtures.ints(c.get("greedy24"));
            assertArrayEquals(java.util.Arrays.copyOf(golden, tokens.length), tokens, (String) c.get("name"));
            assertTrue(tokens.length == 24 || "stop".equals(o.get("finish_reason")));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void chatModelThroughGgufStopsAtItsEndTokens() {
        Map<String, Object> chat = (Map<String, Object>) Fixtures.goldens().get("chat_model");
        List<Map<String, Object>> probes = (List<Map<String, Object>>) chat.get("probes");
        for (int i : new int[] {0, 6, 15}) {
            Map<String, Object> probe = probes.get(i);
            Cli.Result r = Cli.run("generate", "--model", chatBf16.toString(), "--prompt-ids",
                    join(Fixtures.ints(probe.get("prompt_ids"))), "--temperature", "0", "--json");
            assertEquals(0, r.exitCode(), r.err());
            Map<String, Object> o = Json.asObject(Json.parse(r.out().strip()), "output");
            assertArrayEquals(Fixtures.ints(probe.get("greedy")), Fixtures.ints(o.get("tokens")),
                    String.valueOf(probe.get("greedy_text")));
            assertEquals("stop", o.get("finish_reason"));
        }
    }

    @Test
    void tokenizeReadsTheGgufVocabulary() {
        for (Map<String, Object> c : Fixtures.goldenList("tokenizer").subList(0, 12)) {
            Cli.Result r = Cli.run("tokenize", "--model", chatBf16.toString(), "--text", (String) c.get("text"));
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(join(Fixtures.ints(c.get("ids"))), r.out().strip());
        }
    }

    @Test
    void theFileHoldsWhatLlamaCppExpects() {
        try (GgufFile f = GgufFile.open(chatBf16)) {
            assertEquals(GgufKeys.ARCHITECTURE_LLAMA, f.getString(GgufKeys.GENERAL_ARCHITECTURE));
            assertEquals(32, f.getInt(GgufKeys.GENERAL_FILE_TYPE));
            assertEquals("llama-bpe", f.getString(GgufKeys.TOKENIZER_PRE));
            assertEquals(128009, f.getInt(GgufKeys.TOKENIZER_EOT_ID));
            assertEquals(128008, f.getInt(GgufKeys.TOKENIZER_EOM_ID));
            assertTrue(f.getString(GgufKeys.TOKENIZER_CHAT_TEMPLATE).contains("<|start_header_id|>"));
            assertFalse(f.hasTensor(LlamaGgufNames.OUTPUT), "tied embeddings: no output.weight");
            assertEquals(GgmlType.BF16, f.tensor(LlamaGgufNames.TOKEN_EMBD).type());
            assertEquals(GgmlType.F32, f.tensor(LlamaGgufNames.attnNorm(0)).type());
            assertEquals(GgmlType.F32, f.tensor(LlamaGgufNames.ROPE_FREQS).type());
        }
    }

    @Test
    void badTypeIsRefused() {
        Cli.Result r = Cli.run("convert", "--model", Fixtures.randomModel().toString(), "--out",
                tmp.resolve("x.gguf").toString(), "--type", "q5_k");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown type 'q5_k'"), r.err());
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    @Test
    void notAModelFolderIsRefused() {
        Cli.Result r = Cli.run("convert", "--model", tmp.toString(), "--out", tmp.resolve("y.gguf").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("config.json"), r.err());
        assertFalse(Files.exists(tmp.resolve("y.gguf")));
    }
}
