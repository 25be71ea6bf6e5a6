package dev.llama3j.grammar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.BitSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Constrained random walks of the sample grammars write valid sentences, checked without the grammar
 * engine: JSON by Jackson, the list by a regex, arithmetic by a hand-written parser.
 */
class GbnfRandomOutputTest {
    private static final int SEEDS = 20;
    private final RandomWalk walk = new RandomWalk();

    @Test
    void json() throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        Grammar g = Grammar.parse(SampleGrammars.JSON);
        for (int seed = 0; seed < SEEDS; seed++) {
            String out = walk.generate(g, seed, 4000);
            assertTrue(mapper.readTree(out).isObject(), out);
        }
    }

    @Test
    void list() {
        Grammar g = Grammar.parse(SampleGrammars.LIST);
        for (int seed = 0; seed < SEEDS; seed++) {
            String out = walk.generate(g, seed, 4000);
            assertTrue(isList(out), out);
        }
    }

    @Test
    void arithmetic() {
        Grammar g = Grammar.parse(SampleGrammars.ARITHMETIC);
        for (int seed = 0; seed < SEEDS; seed++) {
            String out = walk.generate(g, seed, 4000);
            assertTrue(isArithmetic(out), out);
        }
    }

    @Test
    void smallLanguage() {
        Grammar g = Grammar.parse(SampleGrammars.SMALL_LANGUAGE);
        for (int seed = 0; seed < SEEDS; seed++) {
            String out = walk.generate(g, seed, 4000);
            assertTrue(isSmallLanguage(out), out);
        }
    }

    private static final Pattern LIST = Pattern.compile("(- [^\\r\\n\\x00-\\x1F]{1,20}\\n){1,5}");
    private static final Grammar SMALL_LANGUAGE = Grammar.parse(SampleGrammars.SMALL_LANGUAGE);
    private static final Pattern SMALL_LANGUAGE_WORDS = Pattern.compile("[\\sa-zA-Z_0-9(){}=;,+*/<>-]*");

    /** The list grammar, as a regex. */
    static boolean isList(String out) {
        return LIST.matcher(out).matches();
    }

    /** The arithmetic grammar, by a hand-written parser. */
    static boolean isArithmetic(String out) {
        return new Arithmetic(out).root();
    }

    /** The small language: its characters, balanced braces, and the grammar's own matcher. */
    static boolean isSmallLanguage(String out) {
        return SMALL_LANGUAGE_WORDS.matcher(out).matches()
                && out.chars().filter(c -> c == '{').count() == out.chars().filter(c -> c == '}').count()
                && GbnfParserTest.matches(SMALL_LANGUAGE, out);
    }

    /**
     * The arithmetic grammar as a hand-written parser over sets of end positions (the grammar is
     * ambiguous about whitespace, so every way to read a prefix is kept).
     */
    private record Arithmetic(String s) {
        boolean root() {
            BitSet at = new BitSet();
            at.set(0);
            boolean any = false;
            while (!at.isEmpty()) {
                BitSet next = line(at);
                if (next.get(s.length())) {
                    return true;
                }
                if (next.equals(at) || (any && next.isEmpty())) {
                    return false;
                }
                any = true;
                at = next;
            }
            return false;
        }

        private BitSet line(BitSet from) {
            BitSet afterExpr = expr(from);
            BitSet eq = literal(afterExpr, '=');
            return literal(term(ws(eq)), '\n');
        }

        private BitSet expr(BitSet from) {
            BitSet result = term(from);
            BitSet frontier = result;
            while (!frontier.isEmpty()) {
                BitSet op = new BitSet();
                frontier.stream().filter(i -> i < s.length() && "-+*/".indexOf(s.charAt(i)) >= 0)
                        .forEach(i -> op.set(i + 1));
                BitSet more = term(op);
                more.andNot(result);
                result.or(more);
                frontier = more;
            }
            return result;
        }

        private BitSet term(BitSet from) {
            BitSet out = new BitSet();
            from.stream().forEach(i -> {
                if (i < s.length() && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
                    int j = i + 1;
                    while (j < s.length() && (Character.isLowerCase(s.charAt(j)) || Character.isDigit(s.charAt(j))
                            || s.charAt(j) == '_')) {
                        j++;
                    }
                    out.or(ws(single(j)));
                } else if (i < s.length() && Character.isDigit(s.charAt(i))) {
                    int j = i;
                    while (j < s.length() && Character.isDigit(s.charAt(j))) {
                        j++;
                    }
                    out.or(ws(single(j)));
                } else if (i < s.length() && s.charAt(i) == '(') {
                    out.or(ws(literal(expr(ws(single(i + 1))), ')')));
                }
            });
            return out;
        }

        private BitSet ws(BitSet from) {
            BitSet out = (BitSet) from.clone();
            BitSet frontier = from;
            for (int k = 0; k < 3; k++) {
                BitSet next = new BitSet();
                frontier.stream().filter(i -> i < s.length() && " \t\n".indexOf(s.charAt(i)) >= 0)
                        .forEach(i -> next.set(i + 1));
                out.or(next);
                frontier = next;
            }
            return out;
        }

        private BitSet literal(BitSet from, char c) {
            BitSet out = new BitSet();
            from.stream().filter(i -> i < s.length() && s.charAt(i) == c).forEach(i -> out.set(i + 1));
            return out;
        }

        private static BitSet single(int i) {
            BitSet b = new BitSet();
            b.set(i);
            return b;
        }
    }
}
