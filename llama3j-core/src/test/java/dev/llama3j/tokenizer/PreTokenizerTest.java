package dev.llama3j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cases where a naive reading of the Llama 3 regex, or java.util.regex, goes wrong. The expected
 * splits are what the regex gives in Python's {@code regex} module (Unicode White_Space for \s, like
 * Oniguruma in Hugging Face's tokenizers); the scanner also agreed with it on 20,000 random strings.
 */
class PreTokenizerTest {
    private static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int end = PreTokenizer.pieceEnd(text, i, text.length());
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }

    @Test
    void wordsTakeOneLeadingNonLetter() {
        assertEquals(List.of("Hello", ",", " world", "!"), split("Hello, world!"));
        assertEquals(List.of("$abc", " $", "abc"), split("$abc $abc"));
        assertEquals(List.of("\tabs"), split("\tabs"));
        assertEquals(List.of("\u00a0non", "\u00a0breaking"), split("\u00a0non\u00a0breaking"));
    }

    @Test
    void contractionsAreCaseInsensitive() {
        assertEquals(List.of("I", "'m", " sure", " DON", "'T", " you", "'LL"), split("I'm sure DON'T you'LL"));
        assertEquals(List.of("'s", "abc"), split("'sabc"));
        assertEquals(List.of("'x"), split("'x"));
        assertEquals(List.of("'\u017F"), split("'\u017F")); // LONG S folds to s
        assertEquals(List.of(" '", "S"), split(" 'S")); // the space takes the apostrophe first
    }

    @Test
    void numbersGoInThrees() {
        assertEquals(List.of("123", "45"), split("12345"));
        // \p{N} includes other numbers and letter numbers, which Character.isDigit does not.
        assertEquals(List.of("\u00bd\u00b2\u216b", "3"), split("\u00bd\u00b2\u216b3"));
        assertEquals(List.of("x", "1", "y"), split("x1y"));
    }

    @Test
    void whitespaceRuns() {
        assertEquals(List.of("a", "  ", " b"), split("a   b"));
        assertEquals(List.of("trailing", "   "), split("trailing   "));
        assertEquals(List.of("  \n\n", " ", " x"), split("  \n\n  x"));
        assertEquals(List.of("x", "\t", "("), split("x\t("));
        assertEquals(List.of("x", " ", "1"), split("x 1"));
        assertEquals(List.of("$$$\n\n", "x"), split("$$$\n\nx"));
        assertEquals(List.of("and", "\r\n", "windows"), split("and\r\nwindows"));
        // U+001C..U+001F are not White_Space (Java's isWhitespace says they are), U+2003 is.
        assertEquals(List.of("x", "\u001cy"), split("x\u001cy"));
        assertEquals(List.of("em", "\u2003thin"), split("em\u2003thin"));
        assertEquals(List.of("a", "\u3000", "\u3000b"), split("a\u3000\u3000b"));
        assertEquals(List.of("a", "\u3000\u3000 "), split("a\u3000\u3000 "));
    }

    @Test
    void supplementaryCharactersAreOneCharacter() {
        assertEquals(List.of("\uD83E\uDD99abc"), split("\uD83E\uDD99abc")); // 🦙 then letters
        assertEquals(List.of("\uD835\uDC00\uD835\uDC01c"), split("\uD835\uDC00\uD835\uDC01c")); // 𝐀𝐁 are letters
        assertEquals(List.of("\uD835\uDFCE\uD835\uDFCF\uD835\uDFD0", "\uD835\uDFD1"),
                split("\uD835\uDFCE\uD835\uDFCF\uD835\uDFD0\uD835\uDFD1")); // 𝟎𝟏𝟐𝟑 are digits
        assertEquals(List.of("emoji", ":", " \uD83E\uDD99\uD83E\uDD99", " \uD83D\uDC69\u200D\uD83D\uDCBB"),
                split("emoji: \uD83E\uDD99\uD83E\uDD99 \uD83D\uDC69\u200D\uD83D\uDCBB"));
    }

    @Test
    void combiningMarksAreNotLetters() {
        assertEquals(List.of("a", "\u0301", " e", "\u0301"), split("a\u0301 e\u0301"));
    }

    @Test
    void loneSurrogatesAreSymbols() {
        assertEquals(List.of("a", "\uD800", " b"), split("a\uD800 b"));
    }
}
