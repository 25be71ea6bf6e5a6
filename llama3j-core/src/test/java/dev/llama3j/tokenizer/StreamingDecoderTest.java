package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-at-a-time decoding and U+FFFD replacement, on a vocabulary of the 256 single bytes. */
class StreamingDecoderTest {
    /** Token id b is the single byte b. */
    private static final Tokenizer BYTES = bytesOnly();

    private static Tokenizer bytesOnly() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        tokens.add("<|end|>");
        int[] types = new int[257];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        types[256] = TokenType.CONTROL;
        return Tokenizer.fromVocabulary(tokens, List.of(), types, -1, 256);
    }

    private static int[] ids(int... bytes) {
        return bytes;
    }

    @Test
    void holdsBytesUntilTheCharacterCompletes() {
        StreamingDecoder d = BYTES.streamingDecoder(false);
        assertEquals("a", d.feed('a'));
        assertEquals("", d.feed(0xF0));
        assertEquals("", d.feed(0x9F));
        assertEquals("", d.feed(0xA6));
        assertTrue(d.hasPendingBytes());
        assertEquals("\uD83E\uDD99", d.feed(0x99)); // 🦙
        assertFalse(d.hasPendingBytes());
        assertEquals("", d.finish());
    }

    @Test
    void unfinishedCharacterAtTheEndIsOneReplacement() {
        StreamingDecoder d = BYTES.streamingDecoder(false);
        assertEquals("", d.feed(0xE2));
        assertEquals("", d.feed(0x82));
        assertEquals("\uFFFD", d.finish());
        assertEquals("x", d.feed('x')); // ready for a new stream
    }

    @Test
    void specialTokensCanBeSkipped() {
        StreamingDecoder d = BYTES.streamingDecoder(true);
        assertEquals("", d.feed(256));
        assertEquals("<|end|>", BYTES.streamingDecoder(false).feed(256));
    }

    /** Each case: the bytes, and Python's {@code bytes.decode("utf-8", errors="replace")} of them. */
    @Test
    void invalidUtf8IsReplacedLikePython() {
        check("\uFFFDa", 0xF0, 0x9F, 0xA6, 'a');
        check("\uFFFD\uFFFD", 0xE0, 0x80); // overlong
        check("\uFFFD\uFFFD\uFFFD", 0xED, 0xA0, 0x80); // a surrogate
        check("\uFFFD\uFFFD\uFFFD\uFFFD", 0xF4, 0x90, 0x80, 0x80); // above U+10FFFF
        check("\uFFFD\uFFFD", 0xC0, 0xAF);
        check("\uFFFD", 0xE2, 0x82);
        check("\uFFFD\uFFFD", 0xFF, 0xFE);
        check("a\uFFFDb", 'a', 0x80, 'b');
        check("\uFFFD\u20AC", 0xE2, 0x82, 0xE2, 0x82, 0xAC);
    }

    private static void check(String expected, int... bytes) {
        assertEquals(expected, BYTES.decode(ids(bytes)));
        StreamingDecoder d = BYTES.streamingDecoder(false);
        StringBuilder sb = new StringBuilder();
        for (int b : bytes) {
            sb.append(d.feed(b));
        }
        sb.append(d.finish());
        assertEquals(expected, sb.toString());
    }
}
