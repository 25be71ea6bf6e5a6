package dev.llama3j.error;

/**
 * A grammar (GBNF text) or JSON Schema that cannot be used to constrain generation. For grammar text
 * the message starts with {@code line L, column C:} and {@link #line()}/{@link #column()} give the
 * place (1-based; 0 when the error is not about one place, such as a missing {@code root} rule). For a
 * schema the message names the keyword and its JSON path.
 */
public class GrammarException extends InvalidRequestException {
    private final int line;
    private final int column;

    /** An error at a place in grammar text. */
    public GrammarException(String message, int line, int column, String param) {
        super("line " + line + ", column " + column + ": " + message, param);
        this.line = line;
        this.column = column;
    }

    /** An error about the grammar or schema as a whole, or about a schema keyword. */
    public GrammarException(String message, String param) {
        super(message, param);
        this.line = 0;
        this.column = 0;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
