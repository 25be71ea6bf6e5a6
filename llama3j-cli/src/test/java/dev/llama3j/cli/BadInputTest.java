package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input gives one clear error line naming the problem, and exit code 2. */
class BadInputTest {
    @TempDir
    Path tmp;

    /** Copies a fixture model folder so that a test can break it. */
    private Path copy(Path model) throws IOException {
        Path dir = tmp.resolve(model.getFileName());
        Files.createDirectories(dir);
        try (var files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static Cli.Result generate(Path model, String ids) {
        return Cli.run("generate", "--model", model.toString(), "--prompt-ids", ids, "--max-tokens", "2",
                "--temperature", "0");
    }

    private static void assertOneLine(Cli.Result r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String[] lines = r.errLines();
        String all = String.join("\n", lines);
        assertEquals(1, lines.length, "one error line, got:\n" + all);
        assertTrue(lines[0].startsWith("error: "), lines[0]);
        for (String s : mustContain) {
            assertTrue(lines[0].contains(s), "'" + s + "' missing from: " + lines[0]);
        }
    }

    @Test
    void missingShard() throws IOException {
        Path m = copy(Fixtures.chatModel());
        Files.delete(m.resolve("model-00002-of-00002.safetensors"));
        assertOneLine(generate(m, "128000"), "model-00002-of-00002.safetensors", "missing");
    }

    @Test
    void truncatedShard() throws IOException {
        Path m = copy(Fixtures.chatModel());
        Path shard = m.resolve("model-00001-of-00002.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertOneLine(generate(m, "128000"), "model-00001-of-00002.safetensors", "truncated");
    }

    @Test
    void otherArchitecture() throws IOException {
        Path m = copy(Fixtures.randomModel());
        Path config = m.resolve("config.json");
        String text = Files.readString(config).replace("LlamaForCausalLM", "MistralForCausalLM")
                .replace("\"model_type\": \"llama\"", "\"model_type\": \"mistral\"");
        Files.writeString(config, text);
        assertOneLine(generate(m, "128000"), "config.json", "MistralForCausalLM", "not supported");
    }

    @Test
    void wrongTensorShape() throws IOException {
        Path m = copy(Fixtures.randomModel());
        Path config = m.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"intermediate_size\": 224",
                "\"intermediate_size\": 256"));
        assertOneLine(generate(m, "128000"), "model.safetensors", "mlp.gate_proj.weight", "[224, 64]", "[256, 64]");
    }

    @Test
    void unknownDtype() throws IOException {
        Path m = copy(Fixtures.randomModel());
        Path file = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        // Rename the first tensor's dtype in the JSON header; the header length stays the same.
        String head = new String(bytes, 8, 4096, StandardCharsets.ISO_8859_1);
        int at = head.indexOf("\"BF16\"");
        byte[] repl = "\"F8E4\"".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(repl, 0, bytes, 8 + at, repl.length);
        Files.write(file, bytes);
        assertOneLine(generate(m, "128000"), "model.safetensors", "dtype F8E4");
    }

    @Test
    void promptIdOutOfVocabulary() {
        assertOneLine(generate(Fixtures.chatModel(), "128000,128256"), "128256", "vocabulary");
    }

    @Test
    void promptLongerThanContext() {
        String ids = "128000" + ",9906".repeat(40);
        Cli.Result r = Cli.run("generate", "--model", Fixtures.chatModel().toString(), "--prompt-ids", ids,
                "--ctx-size", "32");
        assertOneLine(r, "41 tokens", "32");
    }

    @Test
    void missingModel() {
        assertOneLine(generate(tmp.resolve("nope"), "1"), "nope");
    }
}
