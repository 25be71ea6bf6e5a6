package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.GrammarException;
import org.junit.jupiter.api.Test;

class GbnfParserTest {

    @Test
    void parsesTheSampleGrammars() {
        for (String g : new String[] {SampleGrammars.ARITHMETIC, SampleGrammars.LIST, SampleGrammars.SMALL_LANGUAGE,
                SampleGrammars.JSON}) {
            Grammar grammar = Grammar.parse(g);
            assertTrue(grammar.ruleNames().contains("root"));
        }
    }

    @Test
    void alternativesMayContinueOnLinesStartingWithABar() {
        Grammar g = Grammar.parse("root ::= \"a\"\n  | \"b\"\n\nother ::= \"c\"\n");
        assertTrue(matches(g, "a"));
        assertTrue(matches(g, "b"));
        assertFalse(matches(g, "c"));
    }

    @Test
    void escapesInLiteralsAndClasses() {
        Grammar g = Grammar.parse("root ::= \"\\x41\\u00e9\\U0001F600\\n\\t\\\\\\\"\" [\\]\\[-]\n");
        assertTrue(matches(g, "Aé😀\n\t\\\"]"));
        assertTrue(matches(g, "Aé😀\n\t\\\"-"));
        assertFalse(matches(g, "Aé😀\n\t\\\"x"));
    }

    @Test
    void missingRootIsAnError() {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse("start ::= \"a\"\n"));
        assertTrue(e.getMessage().contains("'root'"), e.getMessage());
        assertEquals("grammar", e.param());
    }

    @Test
    void undefinedRuleNamesItsPlace() {
        GrammarException e = assertThrows(GrammarException.class,
                () -> Grammar.parse("root ::= item\n\n  item ::= \"a\" missing\n"));
        assertEquals(3, e.line());
        assertEquals(16, e.column());
        assertTrue(e.getMessage().startsWith("line 3, column 16: undefined rule 'missing'"), e.getMessage());
    }

    @Test
    void syntaxErrorsGiveLineAndColumn() {
        assertError("root ::= \"abc\n", 1, 10, "unterminated string");
        assertError("root ::= [a-z\n", 1, 10, "unterminated character class");
        assertError("root ::= \"a\"\nx = \"b\"\n", 2, 3, "expected '::='");
        assertError("root ::= (\"a\" | \"b\"\n", 1, 10, "expected ')'");
        assertError("root ::= * \"a\"\n", 1, 10, "must follow");
        assertError("root ::= \"a\"{3,1}\n", 1, 13, "maximum below its minimum");
        assertError("root ::= \"\\q\"\n", 1, 11, "unknown escape");
        assertError("root ::= [z-a]\n", 1, 12, "backwards");
        assertError("root ::= []\n", 1, 10, "empty character class");
        assertError("root ::= \"a\" )\n", 1, 14, "unexpected ')'");
        assertError("root ::= \"a\"\nroot ::= \"b\"\n", 2, 1, "defined twice");
        assertError("root ::= <[128009]>\n", 1, 10, "token references");
        assertError("root ::= \"\\x4\"\n", 1, 11, "2 hex digits");
    }

    @Test
    void leftRecursionIsRefusedWithTheCycle() {
        GrammarException e = assertThrows(GrammarException.class,
                () -> Grammar.parse("root ::= expr\nexpr ::= expr \"+\" num | num\nnum ::= [0-9]\n"));
        assertTrue(e.getMessage().contains("'expr' is left-recursive (expr -> expr)"), e.getMessage());
        // through a rule that can match nothing
        e = assertThrows(GrammarException.class,
                () -> Grammar.parse("root ::= a\na ::= b a \"x\" | \"y\"\nb ::= \"z\"?\n"));
        assertTrue(e.getMessage().contains("left-recursive"), e.getMessage());
    }

    private static void assertError(String grammar, int line, int column, String text) {
        GrammarException e = assertThrows(GrammarException.class, () -> Grammar.parse(grammar), grammar);
        assertTrue(e.getMessage().contains(text), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
    }

    static boolean matches(Grammar g, String text) {
        GrammarMatcher m = GrammarMatcher.of(g);
        return m.acceptString(text) && m.isComplete();
    }
}
