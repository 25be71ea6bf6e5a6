package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token ids against sentencepiece's own encoder on the tiny Unigram model (tools/fixtures/make_deberta_fixtures.py). */
class DebertaTokenizerTest {

    private static void assertGoldens(DebertaTokenizer tok, String key) {
        List<Object> cases = TinyPromptGuard.cases(key);
        assertTrue(cases.size() >= 4);
        for (Object o : cases) {
            Map<String, Object> c = Json.asObject(o, key);
            String text = Json.asString(c.get("text"), "text");
            assertArrayEquals(TinyPromptGuard.ints(c.get("ids")), tok.encodeWithSpecials(text), "text: " + text);
        }
    }

    @Test
    void tokenizerJsonMatchesSentencePiece() {
        DebertaTokenizer tok = DebertaTokenizer.load(TinyPromptGuard.dir());
        assertTrue(TinyPromptGuard.cases("tokens").size() >= 30);
        assertGoldens(tok, "tokens");
    }

    @Test
    void spmModelMatchesSentencePiece(@TempDir Path dir) throws Exception {
        Files.copy(TinyPromptGuard.dir().resolve("spm.model"), dir.resolve("spm.model"));
        assertGoldens(DebertaTokenizer.load(dir), "tokens");
    }

    @Test
    void spmModelMatchesSentencePieceOnTheLongText(@TempDir Path dir) throws Exception {
        Files.copy(TinyPromptGuard.dir().resolve("spm.model"), dir.resolve("spm.model"));
        DebertaTokenizer tok = DebertaTokenizer.load(dir);
        List<Object> cases = TinyPromptGuard.cases("logits");
        Map<String, Object> c = Json.asObject(cases.get(cases.size() - 1), "long");
        List<int[]> windows = tok.windows(Json.asString(c.get("text"), "text"), 512);
        List<Object> golden = Json.asArray(c.get("windows"), "windows");
        assertEquals(golden.size(), windows.size());
        for (int w = 0; w < windows.size(); w++) {
            assertArrayEquals(TinyPromptGuard.ints(golden.get(w)), windows.get(w), "window " + w);
        }
    }

    @Test
    void byteFallbackSpellsUnknownCharactersAsBytes() {
        DebertaTokenizer tok = DebertaTokenizer.fromSentencePiece(TinyPromptGuard.dir().resolve("spm-bytes.model"));
        assertGoldens(tok, "byte_fallback_tokens");
    }

    @Test
    void specialTokensInTheTextKeepTheirIds() {
        DebertaTokenizer tok = DebertaTokenizer.load(TinyPromptGuard.dir());
        int[] ids = tok.encode("a[SEP]b");
        int[] a = tok.encode("a");
        int[] b = tok.encode("b");
        assertEquals(a.length + 1 + b.length, ids.length);
        assertEquals(tok.sepId(), ids[a.length]);
    }

    @Test
    void longTextsAreCutIntoWindows() {
        DebertaTokenizer tok = DebertaTokenizer.load(TinyPromptGuard.dir());
        String text = "Hello world. ".repeat(300);
        int[] ids = tok.encode(text);
        List<int[]> windows = tok.windows(text, 16);
        assertEquals((ids.length + 13) / 14, windows.size());
        int k = 0;
        for (int[] w : windows) {
            assertTrue(w.length <= 16);
            assertEquals(tok.clsId(), w[0]);
            assertEquals(tok.sepId(), w[w.length - 1]);
            for (int i = 1; i < w.length - 1; i++) {
                assertEquals(ids[k++], w[i]);
            }
        }
        assertEquals(ids.length, k);
        assertEquals(1, tok.windows("", 16).size());
    }

    @Test
    void aBpeTokenizerJsonIsRefusedByItsModelType() {
        Path llama = Fixtures.tokenizerDir().resolve("tokenizer.json");
        var e = assertThrows(UnsupportedModelException.class, () -> DebertaTokenizer.fromTokenizerJson(llama));
        assertTrue(e.getMessage().contains("model.type") && e.getMessage().contains("BPE"), e.getMessage());
    }

    @Test
    void anUnknownNormalizerIsRefusedByName(@TempDir Path dir) throws Exception {
        String json = Files.readString(TinyPromptGuard.dir().resolve("tokenizer.json"))
                .replace("\"type\": \"Strip\"", "\"type\": \"NFD\"");
        Files.writeString(dir.resolve("tokenizer.json"), json);
        var e = assertThrows(UnsupportedModelException.class, () -> DebertaTokenizer.load(dir));
        assertTrue(e.getMessage().contains("'NFD'"), e.getMessage());
    }

    @Test
    void aFolderWithoutTokenizerIsReported(@TempDir Path dir) {
        var e = assertThrows(ModelFormatException.class, () -> DebertaTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json or spm.model"), e.getMessage());
    }

    @Test
    void aFileThatIsNotProtobufIsReported(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("spm.model");
        Files.writeString(f, "{\"not\": \"a sentencepiece model\"}");
        assertThrows(ModelFormatException.class, () -> DebertaTokenizer.load(dir));
    }
}
