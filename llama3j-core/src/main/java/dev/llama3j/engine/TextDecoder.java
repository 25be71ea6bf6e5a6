package dev.llama3j.engine;

/**
 * Turns one sequence's generated token ids into text incrementally: {@link #feed} returns the text
 * that is complete so far (bytes of an unfinished UTF-8 character are held back).
 */
public interface TextDecoder {
    String feed(int token);

    /** Whatever is still held back, at the end. */
    String flush();
}
