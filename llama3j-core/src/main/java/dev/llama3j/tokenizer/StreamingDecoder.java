package dev.llama3j.tokenizer;

/**
 * Decodes token ids one at a time, as a model generates them, into the text that is complete so far.
 * A token may end inside a UTF-8 character (an emoji is often two or three tokens): those bytes are
 * held until a later token completes the character. The pieces returned, concatenated with
 * {@link #finish()}, equal {@link Tokenizer#decode(int[], boolean)} of all the ids.
 *
 * <pre>{@code
 * StreamingDecoder d = tokenizer.streamingDecoder(false);
 * for (int id : generated) out.print(d.feed(id));
 * out.print(d.finish());
 * }</pre>
 *
 * <p>Not thread-safe: one per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    /** Bytes not yet decoded: at most the first three bytes of one character. */
    private byte[] pending = new byte[32];
    private int pendingLength;
    private final StringBuilder text = new StringBuilder();

    /**
     * @param skipSpecial leave special tokens out of the text
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /**
     * Adds one token; returns the text it completes, possibly empty.
     *
     * @throws dev.llama3j.error.InvalidRequestException if the id is outside the vocabulary
     */
    public String feed(int id) {
        if (skipSpecial && tokenizer.isSpecial(id)) {
            return "";
        }
        pending = tokenizer.appendBytes(id, pending, pendingLength);
        pendingLength += tokenizer.tokenByteLength(id);
        return drain(false);
    }

    /**
     * Ends the stream: bytes of a character that never completed come out as U+FFFD. The decoder is
     * then empty and can start a new stream.
     */
    public String finish() {
        return drain(true);
    }

    /** Whether bytes of an unfinished character are being held. */
    public boolean hasPendingBytes() {
        return pendingLength > 0;
    }

    private String drain(boolean endOfInput) {
        text.setLength(0);
        int done = Utf8.decode(pending, 0, pendingLength, text, endOfInput);
        System.arraycopy(pending, done, pending, 0, pendingLength - done);
        pendingLength -= done;
        return text.toString();
    }
}
