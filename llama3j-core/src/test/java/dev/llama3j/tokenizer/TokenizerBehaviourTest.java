package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Special-token control, BPE details on a toy vocabulary, and decode errors. */
class TokenizerBehaviourTest {
    private static Tokenizer llama;

    @BeforeAll
    static void load() {
        llama = Tokenizer.load(Fixtures.tokenizerDir().resolve("tokenizer.json"));
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void specialTokensOnlyWhereAllowed() {
        String header = "<|start_header_id|>user<|end_header_id|>\n\n";
        String user = "say <|eot_id|> now";
        String text = header + user + "<|eot_id|>";
        int userStart = header.length();
        int userEnd = userStart + user.length();
        int[] ids = llama.encode(text, i -> i < userStart || i >= userEnd);

        int[] expected = concat(new int[] {128006}, llama.encode("user", false), new int[] {128007},
                llama.encode("\n\n" + user, false), new int[] {128009});
        assertArrayEquals(expected, ids);
        assertEquals(1, IntStream.of(ids).filter(id -> id == 128009).count());
        assertEquals(text, llama.decode(ids));
    }

    @Test
    void predicateExtremesMatchTheBooleanForm() {
        String text = "a<|eot_id|>b <|python_tag|>x";
        assertArrayEquals(llama.encode(text, false), llama.encode(text, i -> false));
        assertArrayEquals(llama.encode(text, true), llama.encode(text, i -> true));
        assertArrayEquals(new int[] {64, 128009, 65, 220, 128010, 87}, llama.encode(text, true));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> llama.decode(new int[] {1, 128256}));
        assertTrue(e.getMessage().contains("128256") && e.getMessage().contains("128256 tokens"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> llama.decode(new int[] {-1}));
        assertThrows(InvalidRequestException.class, () -> llama.tokenBytes(200000));
        assertThrows(InvalidRequestException.class, () -> llama.streamingDecoder(false).feed(128256));
    }

    @Test
    void anEmojiSplitAcrossTokensStreams() {
        int[] ids = llama.encode("\uD83E\uDD99!", false);
        StreamingDecoder d = llama.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        int empty = 0;
        for (int id : ids) {
            String s = d.feed(id);
            empty += s.isEmpty() ? 1 : 0;
            sb.append(s);
        }
        assertTrue(empty > 0, "expected 🦙 to span several tokens");
        assertEquals("\uD83E\uDD99!", sb + d.finish());
    }

    // ---- a toy vocabulary: the 256 bytes plus a few merges ----

    private static Tokenizer toy(List<String> extra, List<String> merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        tokens.addAll(extra);
        return Tokenizer.fromVocabulary(tokens, merges, null, -1, -1);
    }

    private List<String> pieces(Tokenizer t, String text) {
        List<String> out = new ArrayList<>();
        for (int id : t.encode(text, false)) {
            out.add(t.piece(id));
        }
        return out;
    }

    @Test
    void mergesApplyByRankLeftmostFirst() {
        Tokenizer t = toy(List.of("aa", "ab", "aab"), List.of("a a", "a b", "aa b"));
        assertEquals(List.of("aa", "a"), pieces(t, "aaa"));
        // "a b" would merge the last pair, but "a a" ranks first, then "aa b".
        assertEquals(List.of("aab"), pieces(t, "aab"));
        assertEquals(List.of("aa", "aa"), pieces(t, "aaaa"));
        assertEquals(List.of("ab", "ab"), pieces(t, "abab"));
    }

    @Test
    void aWholePieceInTheVocabularyIsTakenWithoutMerges() {
        // "xyz" is in the vocabulary but no merge reaches it; Llama 3 (ignore_merges) takes it whole.
        Tokenizer t = toy(List.of("xy", "xyz"), List.of("x y"));
        assertEquals(List.of("xyz"), pieces(t, "xyz"));
        assertEquals(List.of("xy", "z", "z"), pieces(t, "xyzz")); // not whole: merges
    }

    @Test
    void longPiecesMerge() {
        Tokenizer t = toy(List.of("aa", "aaaa"), List.of("a a", "aa aa"));
        String text = "a".repeat(10_001);
        List<String> p = pieces(t, text);
        assertEquals(2501, p.size());
        assertEquals("a", p.get(2500));
    }

    @Test
    void vocabularyErrorsNameTheMerge() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> toy(List.of(), List.of("a b")));
        assertTrue(e.getMessage().contains("merge 0") && e.getMessage().contains("\"ab\""), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> toy(List.of(), List.of("ab")));
        assertTrue(e.getMessage().contains("merge 0"), e.getMessage());
        e = assertThrows(ModelFormatException.class,
                () -> Tokenizer.fromVocabulary(List.of("a", "b"), List.of(), null, -1, -1));
        assertTrue(e.getMessage().contains("byte"), e.getMessage());
    }
}
