package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Loading small hand-made tokenizer.json files, and the errors for broken ones. */
class TokenizerJsonTest {
    @TempDir
    Path dir;

    /** A minimal Llama 3 style tokenizer.json: the 256 bytes, "ab" and "abc", and one special token. */
    private static Map<String, Object> minimal(boolean pairMerges) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), (long) b);
        }
        vocab.put("ab", 256L);
        vocab.put("abc", 257L);
        List<Object> merges = new ArrayList<>();
        merges.add(pairMerges ? List.of("a", "b") : "a b");
        merges.add(pairMerges ? List.of("ab", "c") : "ab c");
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("ignore_merges", true);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("type", "Split");
        split.put("pattern", Map.of("Regex", PreTokenizer.LLAMA3_PATTERN));
        split.put("behavior", "Isolated");
        split.put("invert", false);
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("added_tokens", List.of(Map.of("id", 258L, "content", "<|eot_id|>", "special", true)));
        root.put("normalizer", null);
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(split, byteLevel)));
        root.put("decoder", Map.of("type", "ByteLevel"));
        root.put("model", model);
        return root;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(Map<String, Object> root) {
        return (Map<String, Object>) root.get("model");
    }

    private Path write(String name, Object json) throws IOException {
        return write(name, Json.write(json));
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static <T extends Llama3jException> void assertMessage(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" should name " + part);
        }
    }

    @Test
    void loadsBothMergeFormats() throws IOException {
        for (boolean pairs : new boolean[] {false, true}) {
            Tokenizer t = Tokenizer.load(write("tokenizer.json", minimal(pairs)));
            assertArrayEquals(new int[] {257, 258, 256, 'd'}, t.encode("abc<|eot_id|>abd", true));
            assertEquals(259, t.vocabSize());
            assertTrue(t.bosId().isEmpty());
            assertEquals("abc<|eot_id|>abd", t.decode(new int[] {257, 258, 256, 'd'}));
        }
    }

    @Test
    void readsBosAndEosFromTokenizerConfig() throws IOException {
        write("tokenizer.json", minimal(false));
        write("tokenizer_config.json", Map.of("bos_token", Map.of("content", "ab"), "eos_token", "<|eot_id|>"));
        Tokenizer t = Tokenizer.load(dir);
        assertEquals(256, t.bosId().orElseThrow());
        assertEquals(258, t.eosId().orElseThrow());
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope/tokenizer.json");
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(missing), missing.toString());
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(dir), "tokenizer.json", dir.toString());
    }

    @Test
    void malformedJson() throws IOException {
        Path p = write("tokenizer.json", "{\"model\": {\"vocab\": ");
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p), p.toString());
        Path q = write("tokenizer.json", "[1, 2]");
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(q), q.toString());
    }

    @Test
    void missingKeys() throws IOException {
        Map<String, Object> root = minimal(false);
        model(root).remove("vocab");
        Path p = write("tokenizer.json", root);
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p), p.toString(), "model.vocab");

        Map<String, Object> root2 = minimal(false);
        model(root2).remove("merges");
        Path p2 = write("tokenizer.json", root2);
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p2), p2.toString(), "model.merges");

        Map<String, Object> root3 = minimal(false);
        root3.remove("model");
        Path p3 = write("tokenizer.json", root3);
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p3), p3.toString(), "model");
    }

    @Test
    @SuppressWarnings("unchecked")
    void badValues() throws IOException {
        Map<String, Object> root = minimal(false);
        ((List<Object>) model(root).get("merges")).add("ab zz");
        Path p = write("tokenizer.json", root);
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p), p.toString(), "merge 2", "\"zz\"");

        Map<String, Object> root2 = minimal(false);
        ((Map<String, Object>) model(root2).get("vocab")).put("xyz", "seven");
        Path p2 = write("tokenizer.json", root2);
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(p2), p2.toString(), "model.vocab[\"xyz\"]");

        write("tokenizer.json", minimal(false));
        Path config = write("tokenizer_config.json", Map.of("bos_token", "<s>"));
        assertMessage(ModelFormatException.class, () -> Tokenizer.load(dir), config.toString(), "bos_token", "<s>");
    }

    @Test
    void otherTokenizersAreRefused() throws IOException {
        Map<String, Object> root = minimal(false);
        root.put("pre_tokenizer", Map.of("type", "ByteLevel", "add_prefix_space", false, "use_regex", true));
        Path p = write("tokenizer.json", root);
        assertMessage(UnsupportedModelException.class, () -> Tokenizer.load(p), p.toString(), "pre_tokenizer");

        Map<String, Object> root2 = minimal(false);
        model(root2).put("type", "Unigram");
        Path p2 = write("tokenizer.json", root2);
        assertMessage(UnsupportedModelException.class, () -> Tokenizer.load(p2), "model.type", "Unigram");
    }
}
