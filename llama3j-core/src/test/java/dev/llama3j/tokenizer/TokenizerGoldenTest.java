package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parity with Hugging Face on the goldens' 38 texts and 10 rendered chat templates. */
class TokenizerGoldenTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.tokenizerDir());
    }

    static Stream<Arguments> texts() {
        List<Map<String, Object>> goldens = Fixtures.goldenList("tokenizer");
        return IntStream.range(0, goldens.size()).mapToObj(i -> {
            String text = (String) goldens.get(i).get("text");
            String label = i + ": " + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
            return Arguments.argumentSet(label.replace("\n", "\\n").replace("\r", "\\r"), goldens.get(i));
        });
    }

    @ParameterizedTest
    @MethodSource("texts")
    void encodesWithSpecialTokens(Map<String, Object> golden) {
        assertArrayEquals(Fixtures.ints(golden.get("ids")), tokenizer.encode((String) golden.get("text"), true));
    }

    @ParameterizedTest
    @MethodSource("texts")
    void encodesSpecialTokenTextAsPlainText(Map<String, Object> golden) {
        assertArrayEquals(Fixtures.ints(golden.get("ids_split_special")),
                tokenizer.encode((String) golden.get("text"), false));
    }

    @ParameterizedTest
    @MethodSource("texts")
    void decodes(Map<String, Object> golden) {
        assertEquals(golden.get("decoded"), tokenizer.decode(Fixtures.ints(golden.get("ids"))));
    }

    @ParameterizedTest
    @MethodSource("texts")
    void piecesAreVocabularyEntries(Map<String, Object> golden) {
        Object pieces = golden.get("pieces");
        if (pieces == null) {
            return; // the goldens leave them out for the long text
        }
        int[] ids = Fixtures.ints(golden.get("ids"));
        List<String> actual = new ArrayList<>();
        for (int id : ids) {
            actual.add(tokenizer.piece(id));
            assertEquals(id, tokenizer.tokenId(tokenizer.piece(id)).orElseThrow());
        }
        assertEquals(pieces, actual);
    }

    @ParameterizedTest
    @MethodSource("texts")
    void streamingDecodeConcatenatesToDecode(Map<String, Object> golden) {
        int[] ids = Fixtures.ints(golden.get("ids"));
        StreamingDecoder decoder = tokenizer.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = decoder.feed(id);
            assertTrue(part.indexOf('\uFFFD') < 0, "a character was cut: " + part);
            sb.append(part);
        }
        sb.append(decoder.finish());
        assertEquals(golden.get("decoded"), sb.toString());
    }

    static Stream<Arguments> chatTemplates() {
        return Fixtures.goldenList("chat_template").stream()
                .map(g -> Arguments.argumentSet((String) g.get("name"), g));
    }

    @ParameterizedTest
    @MethodSource("chatTemplates")
    void encodesRenderedChatTemplates(Map<String, Object> golden) {
        int[] expected = Fixtures.ints(golden.get("ids"));
        String text = (String) golden.get("text");
        assertArrayEquals(expected, tokenizer.encode(text, true));
        assertEquals(text, tokenizer.decode(expected));
    }

    @Test
    void decodeCanSkipSpecialTokens() {
        int[] ids = tokenizer.encode("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", true);
        assertEquals("user\n\nHi", tokenizer.decode(ids, true));
    }

    @Test
    void specialTokenLookups() {
        assertEquals(128256, tokenizer.vocabSize());
        assertEquals(128000, tokenizer.bosId().orElseThrow());
        assertEquals(128009, tokenizer.eosId().orElseThrow()); // tokenizer_config.json's eos_token
        assertEquals(128009, tokenizer.specialId("<|eot_id|>").orElseThrow());
        assertEquals(128010, tokenizer.specialId("<|python_tag|>").orElseThrow());
        assertEquals(128255, tokenizer.specialId("<|reserved_special_token_247|>").orElseThrow());
        assertTrue(tokenizer.specialId("Hello").isEmpty());
        assertTrue(tokenizer.isSpecial(128000));
        assertTrue(tokenizer.isSpecial(128255));
        assertTrue(!tokenizer.isSpecial(9906));
        assertEquals("Hello", tokenizer.piece(9906));
        assertEquals("<|eot_id|>", tokenizer.piece(128009));
        assertArrayEquals(" world".getBytes(java.nio.charset.StandardCharsets.UTF_8), tokenizer.tokenBytes(1917));
        assertArrayEquals(new int[] {128000, 9906}, tokenizer.prependBos(new int[] {9906}));
    }

    @Test
    void longTextEncodesQuickly() {
        List<Map<String, Object>> goldens = Fixtures.goldenList("tokenizer");
        Map<String, Object> golden = goldens.get(goldens.size() - 1);
        String text = (String) golden.get("text");
        int[] expected = Fixtures.ints(golden.get("ids"));
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(expected, tokenizer.encode(text, true));
        }
        long warm = Long.MAX_VALUE;
        long cold = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            tokenizer.encode(text, true);
            warm = Math.min(warm, System.nanoTime() - t0);
            tokenizer.clearCache();
            t0 = System.nanoTime();
            tokenizer.encode(text, true);
            cold = Math.min(cold, System.nanoTime() - t0);
        }
        System.out.printf("tokenizer: %d tokens (%d chars) encoded in %.2f ms with the word cache warm, %.2f ms"
                + " with it empty (best of 10, after JIT warm-up)%n", expected.length, text.length(), warm / 1e6, cold / 1e6);
        // Generous bound: the target is well under 100 ms; this only catches a pathological regression.
        assertTrue(cold < 1_000_000_000L, "encoding took " + cold / 1e6 + " ms");
    }
}
