package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken GGUF files: one clear error line naming the file and the problem, exit code 2. */
class GgufBadInputTest {
    @TempDir
    static Path tmp;

    /** A good file to break: the random model in Q8_0. */
    static Path good;

    @BeforeAll
    static void convert() {
        good = tmp.resolve("good.gguf");
        HfToGgufConverter.convert(Fixtures.randomModel(), good, GgufFileType.MOSTLY_Q8_0, ConversionProgress.NONE);
    }

    private static Path copy(String name) throws IOException {
        Path p = tmp.resolve(name);
        Files.copy(good, p);
        return p;
    }

    private static void assertOneLine(Cli.Result r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String[] lines = r.errLines();
        assertEquals(1, lines.length, "one error line, got:\n" + String.join("\n", lines));
        assertTrue(lines[0].startsWith("error: "), lines[0]);
        for (String s : mustContain) {
            assertTrue(lines[0].contains(s), "'" + s + "' missing from: " + lines[0]);
        }
    }

    private static Cli.Result generate(Path model) {
        return Cli.run("generate", "--model", model.toString(), "--prompt-ids", "128000", "--max-tokens", "2",
                "--temperature", "0");
    }

    @Test
    void wrongMagic() throws IOException {
        Path p = copy("magic.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write("GGML".getBytes(StandardCharsets.US_ASCII));
        }
        assertOneLine(generate(p), "magic.gguf", "not a GGUF file", "'GGML'");
        assertOneLine(Cli.run("tokenize", "--model", p.toString(), "--text", "hi"), "magic.gguf", "not a GGUF file");
    }

    @Test
    void truncatedInTheHeader() throws IOException {
        Path p = copy("short.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(100_000); // inside the token list
        }
        assertOneLine(generate(p), "short.gguf", "truncated", GgufKeys.TOKENIZER_TOKENS);
    }

    @Test
    void tensorDataRunsPastTheEnd() throws IOException {
        Path p = copy("cut.gguf");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(f.length() - 4096); // the header is whole; the last tensor's data is not
        }
        assertOneLine(generate(p), "cut.gguf", "truncated", "tensor 'output.weight' data ends at byte", "but the file has");
    }

    @Test
    void unsupportedTensorType() throws IOException {
        Path p = copy("iq4.gguf");
        setTensorType(p, "blk.0.attn_q.weight", 20); // IQ4_NL, which llama3j does not implement
        assertOneLine(generate(p), "iq4.gguf", "blk.0.attn_q.weight", "unsupported tensor type IQ4_NL");
    }

    @Test
    void knownTypeWithoutAKernel() throws IOException {
        Path p = copy("q5_0.gguf");
        // Q5_0 is a ggml type the reader knows (its blocks are smaller, so the data still fits) but has no matrix kernel.
        setTensorType(p, "blk.0.ffn_down.weight", 6);
        assertOneLine(generate(p), "q5_0.gguf", "blk.0.ffn_down.weight", "Q5_0 is not supported");
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path p = tmp.resolve("qwen.gguf");
        try (GgufFile f = GgufFile.open(good)) {
            GgufWriter w = new GgufWriter().putAll(f.metadata()).putString(GgufKeys.GENERAL_ARCHITECTURE, "qwen2");
            for (GgufTensor t : f.tensors().values()) {
                w.addTensor(t);
            }
            w.write(p);
        }
        assertOneLine(generate(p), "qwen.gguf", "general.architecture is 'qwen2'", "not supported");
    }

    @Test
    void notAModelAtAll() throws IOException {
        Path p = tmp.resolve("notes.txt");
        Files.writeString(p, "hello");
        assertOneLine(generate(p), "notes.txt", "neither a Hugging Face model folder nor a GGUF file");
    }

    /** Rewrites the ggml type id in the tensor info of {@code name} (after its name, dimension count and dimensions). */
    static void setTensorType(Path file, String name, int typeId) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 8; at + key.length < bytes.length; at++) {
            if (bb.getLong(at - 8) == key.length && java.util.Arrays.equals(bytes, at, at + key.length, key, 0, key.length)) {
                int p = at + key.length;
                int nDims = bb.getInt(p);
                if (nDims < 1 || nDims > 4) {
                    continue; // the name inside some other string
                }
                bb.putInt(p + 4 + 8 * nDims, typeId);
                Files.write(file, bytes);
                return;
            }
        }
        throw new AssertionError("tensor info of " + name + " not found in " + file);
    }
}
