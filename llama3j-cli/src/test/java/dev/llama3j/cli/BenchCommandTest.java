package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.SyntheticCheckpoint;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.RopeScaling;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench command's modes run and report what they say (speeds are not asserted: they live in bench/). */
class BenchCommandTest {
    @TempDir
    Path dir;

    private static JsonNode json(Cli.Result r) throws Exception {
        assertEquals(0, r.exitCode(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void parallelReportsTheAggregate() throws Exception {
        JsonNode o = json(Cli.run("bench", "--model", Fixtures.chatModel().toString(), "-p", "8", "-n", "4", "-r", "1",
                "-npl", "3", "--json"));
        assertEquals(3, o.get("parallel").asInt());
        assertTrue(o.get("tg_tok_s").asDouble() > 0 && o.get("pp_tok_s").asDouble() > 0, o.toString());
    }

    @Test
    void jsonSchemaAddsSampledFigures() throws Exception {
        Path schema = Files.writeString(dir.resolve("s.json"), "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}");
        JsonNode o = json(Cli.run("bench", "--model", Fixtures.chatModel().toString(), "-p", "0", "-n", "8", "-r", "1",
                "--json-schema", schema.toString(), "--json"));
        assertTrue(o.get("tg_sampled_tok_s").asDouble() > 0 && o.get("tg_json_schema_tok_s").asDouble() > 0, o.toString());
    }

    @Test
    void badValuesAreOneErrorLine() {
        Cli.Result r = Cli.run("bench", "--model", Fixtures.chatModel().toString(), "--parallel", "-2");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--parallel"), r.err());
        r = Cli.run("bench", "--model", Fixtures.chatModel().toString(), "--parallel", "2", "-n", "0");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--gen-tokens"), r.err());
        r = Cli.run("bench", "--kernels", "-r", "0");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--kernels needs --repetitions"), r.err());
        r = Cli.run("bench", "--model", Fixtures.chatModel().toString(), "--json-schema", dir.resolve("none.json").toString());
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("--json-schema"), r.err());
    }

    @Test
    void benchRunsOnASyntheticQuantizedFolder() throws Exception {
        LlamaConfig tiny = new LlamaConfig(128256, 64, 128, 3, 4, 2, 16, 1e-5f, 500000.0,
                new RopeScaling("llama3", 8, 1, 4, 8192), 131072, true, 128000, new int[] {128001, 128008, 128009});
        Path folder = dir.resolve("gptq");
        SyntheticCheckpoint.write(folder, tiny, SyntheticCheckpoint.Format.GPTQ, 32, 1, Fixtures.chatModel(),
                ConversionProgress.NONE);
        JsonNode o = json(Cli.run("bench", "--model", folder.toString(), "-p", "8", "-n", "4", "-r", "1", "-t", "2",
                "--json"));
        assertTrue(o.get("tg_tok_s").asDouble() > 0 && o.get("pp_tok_s").asDouble() > 0, o.toString());
        // Two threads: a token is several parallel sections, and the shares are percentages.
        assertTrue(o.get("tg_sections_per_token").asDouble() >= 1, o.toString());
        for (String k : new String[] {"tg_alone_pct", "tg_wait_pct"}) {
            assertTrue(o.get(k).asDouble() >= 0 && o.get(k).asDouble() <= 100, k + ": " + o);
        }
    }

    @Test
    void writeSyntheticWritesAFolderForAQuantizedType() throws Exception {
        Path folder = dir.resolve("tiny-ct-int4");
        // the tokenizer comes from the demo model under the installation folder, as bin/llama3j sets it
        String home = System.getProperty("llama3j.home");
        System.setProperty("llama3j.home", Fixtures.repoRoot().toString());
        Cli.Result r;
        try {
            r = Cli.run("bench", "--write-synthetic", folder.toString(), "--shape", "tiny", "--type", "ct-int4");
        } finally {
            if (home == null) {
                System.clearProperty("llama3j.home");
            } else {
                System.setProperty("llama3j.home", home);
            }
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("wrote " + folder), r.err());
        JsonNode config = new ObjectMapper().readTree(folder.resolve("config.json").toFile());
        assertEquals("compressed-tensors", config.get("quantization_config").get("quant_method").asText());
        assertEquals(128, config.get("quantization_config").get("config_groups").get("group_0").get("weights")
                .get("group_size").asInt());
        assertTrue(Files.isRegularFile(folder.resolve("tokenizer.json"))
                && Files.isRegularFile(folder.resolve("model.safetensors.index.json")));
    }

    @Test
    void writeSyntheticRefusesAnUnknownType() {
        Cli.Result r = Cli.run("bench", "--write-synthetic", dir.resolve("x").toString(), "--shape", "tiny", "--type",
                "exl2");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("unknown --type 'exl2'") && r.err().contains("fbgemm-fp8"), r.err());
        r = Cli.run("bench", "--write-synthetic", dir.resolve("y").toString(), "--shape", "3b", "--type", "awq");
        assertEquals(Main.EXIT_BAD_INPUT, r.exitCode());
        assertTrue(r.err().contains("unknown shape '3b'"), r.err());
        assertTrue(Files.notExists(dir.resolve("x")) && Files.notExists(dir.resolve("y")));
    }
}
