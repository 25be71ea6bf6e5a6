package dev.llama3j.tokenizer;

/**
 * Token types as GGUF stores them in {@code tokenizer.ggml.token_type} (llama.cpp's numbering), for
 * {@link Tokenizer#fromVocabulary}.
 */
public final class TokenType {
    /** An ordinary BPE token. */
    public static final int NORMAL = 1;
    /** The unknown token; treated as a special token. */
    public static final int UNKNOWN = 2;
    /** A special (control) token such as {@code <|eot_id|>}. */
    public static final int CONTROL = 3;
    /** An added token that is plain text: always matched whole in input, never produced by merges. */
    public static final int USER_DEFINED = 4;
    /** A placeholder that is never produced by encoding; decodes as its text, or not at all when skipping specials. */
    public static final int UNUSED = 5;
    /** A byte token; treated like a normal one. */
    public static final int BYTE = 6;

    private TokenType() {}
}
