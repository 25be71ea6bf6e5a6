package dev.llama3j.grammar;

/**
 * GBNF grammars of the kinds in llama.cpp's {@code grammars/} folder, written for these tests. Their
 * repetitions are bounded: the random-weight model of {@code ConstrainedGenerationTest} picks among the
 * allowed tokens almost uniformly, and where ten thousand tokens continue an identifier and one ends
 * it, an unbounded rule would run to the token limit. Recursion is kept subcritical for the same reason: a
 * rule that nests itself is reached, on average, less than once per expansion of itself (few
 * repetitions around the nesting), so that every output ends.
 */
final class SampleGrammars {
    private SampleGrammars() {}

    static final String ARITHMETIC = """
            # one to three equations, each on its own line
            root  ::= (expr "=" ws term "\\n"){1,3}
            expr  ::= term ([-+*/] term){0,2}
            term  ::= ident | num | "(" ws expr ")" ws
            ident ::= [a-z] [a-z0-9_]{0,7} ws
            num   ::= [0-9]{1,6} ws
            ws    ::= [ \\t\\n]{0,3}
            """;

    static final String LIST = """
            root ::= item{1,5}
            item ::= "- " [^\\r\\n\\x00-\\x1F]{1,20} "\\n"
            """;

    /** A small C-like language: declarations and assignments with expressions. */
    static final String SMALL_LANGUAGE = """
            root        ::= declaration{1,2}
            declaration ::= type ws ident ws "(" ws params? ")" ws "{" body "}" ws
            type        ::= "int" | "void" | "float"
            params      ::= type ws ident (ws "," ws type ws ident){0,3}
            body        ::= (ws statement){0,2} ws
            statement   ::= ( type ws ident ws "=" ws expr ";" )
                          | ( ident ws "=" ws expr ";" )
                          | ( "return" ws expr ";" )
                          | ( "while" ws "(" ws expr ws ")" ws "{" body "}" )
            expr        ::= term (ws [-+*/<>] ws term){0,1}
            term        ::= ident | number | "(" ws expr ws ")"
            ident       ::= [a-zA-Z_] [a-zA-Z_0-9]{0,8}
            number      ::= [0-9]{1,6}
            ws          ::= [ \\t\\n]{0,2}
            """;

    /** JSON as in llama.cpp's json.gbnf, with bounded whitespace, strings, objects and arrays. */
    static final String JSON = """
            root   ::= object
            value  ::= object | array | string | number | ("true" | "false" | "null") ws

            object ::=
              "{" ws (
                        string ":" ws value
                ("," ws string ":" ws value){0,1}
              )? "}" ws

            array  ::=
              "[" ws (
                        value
                ("," ws value){0,2}
              )? "]" ws

            string ::=
              "\\"" (
                [^"\\\\\\x7F\\x00-\\x1F] |
                "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
              ){0,12} "\\"" ws

            number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]{1,6})? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

            # whitespace, at most a few characters
            ws ::= | " " | "\\n" [ \\t]{0,20}
            """;
}
