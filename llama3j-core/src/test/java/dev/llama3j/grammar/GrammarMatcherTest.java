package dev.llama3j.grammar;

import static dev.llama3j.grammar.GbnfParserTest.matches;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GrammarMatcherTest {

    @Test
    void arithmetic() {
        Grammar g = Grammar.parse(SampleGrammars.ARITHMETIC);
        assertTrue(matches(g, "1+2=3\n"));
        assertTrue(matches(g, "x *(y +2) = 14\nab_1=0\n"));
        assertFalse(matches(g, "1+2=3"));
        assertFalse(matches(g, "1++2=3\n"));
        assertFalse(matches(g, "X=1\n"));
    }

    @Test
    void listWithBoundedRepetition() {
        Grammar g = Grammar.parse(SampleGrammars.LIST);
        assertTrue(matches(g, "- milk\n- eggs\n"));
        assertFalse(matches(g, ""));
        assertFalse(matches(g, "- a\n- b\n- c\n- d\n- e\n- f\n"));
        assertFalse(matches(g, "- " + "x".repeat(21) + "\n"));
        assertTrue(matches(g, "- " + "x".repeat(20) + "\n"));
    }

    @Test
    void smallLanguage() {
        Grammar g = Grammar.parse(SampleGrammars.SMALL_LANGUAGE);
        assertTrue(matches(g, "int main() {\n while (x < 10) { x = x * 2; }\n return x;\n}"));
        assertTrue(matches(g, "void f(int a, float b) { }"));
        assertFalse(matches(g, "int main() { return }"));
    }

    @Test
    void json() {
        Grammar g = Grammar.parse(SampleGrammars.JSON);
        assertTrue(matches(g, "{\"a\": [1, 2.5, {\"b\": \"x\\u00e9\\n\"}], \"c\": [-3e7, true, null]}"));
        assertTrue(matches(g, "{\"é😀\": \"日本\"}"));
        assertFalse(matches(g, "{\"a\": 01}"));
        assertFalse(matches(g, "{\"a\" 1}"));
        assertFalse(matches(g, "[1]"));
        assertFalse(matches(g, "{\"a\": \"\n\"}"));
    }

    @Test
    void prefixesAreAcceptedButNotComplete() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse(SampleGrammars.JSON));
        assertTrue(m.acceptString("{\"a\": [1"));
        assertFalse(m.isComplete());
        assertFalse(m.acceptString("}")); // rejected: the matcher stays where it was
        assertTrue(m.acceptString("]}"));
        assertTrue(m.isComplete());
        assertTrue(m.canContinue()); // trailing whitespace may follow
    }

    @Test
    void closedSentenceCannotContinue() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse("root ::= \"ab\" | \"a\" [0-9]?\n"));
        assertTrue(m.acceptString("a"));
        assertTrue(m.isComplete());
        assertTrue(m.canContinue());
        assertTrue(m.acceptString("b"));
        assertTrue(m.isComplete());
        assertFalse(m.canContinue());
    }

    @Test
    void utf8SplitAcrossInputs() {
        Grammar g = Grammar.parse("root ::= \"é\" [€-€] [^a]\n");
        byte[] text = "é€😀".getBytes(StandardCharsets.UTF_8);
        GrammarMatcher m = GrammarMatcher.of(g);
        for (int i = 0; i < text.length; i++) {
            assertTrue(m.acceptBytes(text, i, i + 1), "byte " + i);
            assertFalse(m.isComplete() && i < text.length - 1, "complete after byte " + i);
        }
        assertTrue(m.isComplete());
    }

    @Test
    void partialUtf8IsRejectedAsSoonAsNoCharacterCanStartThatWay() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse("root ::= [a-z\u00e9]+\n")); // é is C3 A9
        assertTrue(m.acceptBytes(new byte[] {(byte) 0xC3}, 0, 1));
        assertFalse(m.isComplete());
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xA8}, 0, 1)); // è is not in the class
        assertTrue(m.acceptBytes(new byte[] {(byte) 0xA9}, 0, 1));
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xE2}, 0, 1)); // no three-byte character allowed
        assertFalse(m.acceptBytes(new byte[] {(byte) 0x80}, 0, 1)); // continuation without a lead byte
        assertFalse(m.acceptBytes(new byte[] {(byte) 0xC0}, 0, 1)); // overlong lead byte
        assertTrue(m.isComplete());
    }

    @Test
    void aLeadByteAloneIsRejectedWhenOnlyOverlongFormsWouldMatch() {
        // E0 alone reads as code points 0..0xFFF, but a three-byte sequence encodes 0x800 and up: ASCII
        // whitespace must not let it in (a random model once wrote E0 after JSON's trailing space).
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse("root ::= \"a\" [ \\t]{0,20}\n"));
        assertTrue(m.acceptString("a \t"));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xE0}, 0, 1));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xF0}, 0, 1));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xC2}, 0, 1));
        GrammarMatcher wide = GrammarMatcher.of(Grammar.parse("root ::= [\\x00-\\U0010FFFF]\n"));
        assertTrue(wide.copy().acceptBytes(new byte[] {(byte) 0xE0}, 0, 1));
        assertTrue(wide.copy().acceptBytes(new byte[] {(byte) 0xF4}, 0, 1));
    }

    @Test
    void overlongAndSurrogateEncodingsAreRejected() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse("root ::= .*\n"));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, 0, 3));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 3));
        assertFalse(m.copy().acceptBytes(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, 0, 4));
        assertTrue(m.copy().acceptBytes("\uD7FF\uE000😀".getBytes(StandardCharsets.UTF_8), 0, 10));
    }

    @Test
    void codePointsUtf8CannotCarryAreRejected() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse("root ::= .*\n"));
        assertFalse(m.acceptCodePoint(0xD800));
        assertFalse(m.acceptCodePoint(0x110000));
        assertTrue(m.acceptCodePoint(0x1F600));
    }

    @Test
    void copiesAreIndependent() {
        GrammarMatcher a = GrammarMatcher.of(Grammar.parse("root ::= \"x\" (\"y\" | \"z\")\n"));
        assertTrue(a.acceptString("x"));
        GrammarMatcher b = a.copy();
        assertTrue(a.acceptString("y"));
        assertTrue(b.acceptString("z"));
        assertTrue(a.isComplete() && b.isComplete());
    }

    @Test
    void deepNestingAndLongRepetitionDoNotGrowWithoutBound() {
        GrammarMatcher m = GrammarMatcher.of(Grammar.parse(SampleGrammars.JSON));
        assertTrue(m.acceptString("{\"a\":" + "[".repeat(200) + "]".repeat(200) + "}"));
        assertTrue(m.isComplete());
        GrammarMatcher s = GrammarMatcher.of(Grammar.parse("root ::= [a-z]*\n"));
        assertTrue(s.acceptString("x".repeat(100_000)));
        assertTrue(s.automaton().stateCount() < 5);
    }
}
