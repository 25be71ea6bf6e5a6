package dev.llama3j.chat.jinja;

/** One lexical token of a template. {@code value} holds the text, name, operator or unescaped string. */
record Token(Kind kind, String value, int line) {
    enum Kind {
        /** Literal template text between tags (after whitespace control). */
        TEXT,
        VAR_BEGIN,
        VAR_END,
        BLOCK_BEGIN,
        BLOCK_END,
        NAME,
        STRING,
        INTEGER,
        FLOAT,
        OPERATOR,
        EOF
    }

    boolean isOp(String op) {
        return kind == Kind.OPERATOR && value.equals(op);
    }

    boolean isName(String name) {
        return kind == Kind.NAME && value.equals(name);
    }

    /** How the token reads in an error message. */
    String describe() {
        return switch (kind) {
            case TEXT -> "template text";
            case VAR_BEGIN -> "'{{'";
            case VAR_END -> "'}}'";
            case BLOCK_BEGIN -> "'{%'";
            case BLOCK_END -> "'%}'";
            case STRING -> "string";
            case INTEGER, FLOAT -> "number " + value;
            case EOF -> "end of template";
            default -> "'" + value + "'";
        };
    }
}
