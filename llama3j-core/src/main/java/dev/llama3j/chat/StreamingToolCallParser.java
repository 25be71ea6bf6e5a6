package dev.llama3j.chat;

/**
 * The streaming form of {@link ToolCallParser} for one assistant message: fed the decoded text
 * deltas as they are generated, it releases plain content at once and holds back whatever may be
 * a tool call, deciding as early as it can.
 *
 * <pre>{@code
 * StreamingToolCallParser s = parser.streaming();
 * for (String delta : deltas) {
 *     send(s.feed(delta));                 // "" while undecided or inside a call
 * }
 * send(s.finish(stopTokenId));             // content still held back, if it was not a call after all
 * ParsedMessage m = s.result();            // tool calls, full content, finish reason
 * }</pre>
 *
 * A message is a likely call when it starts (after whitespace) with {@code <|python_tag|>}, or with
 * {@code {} when custom tools were offered; a {@code <|python_tag|>} later in the text starts a call
 * after the content before it. A likely JSON call that stops looking like one (a non-string key, a
 * complete object that is no call) is released as content right away. The final result is always
 * what {@link ToolCallParser#parse(String, int)} says for the whole text, and the released deltas
 * always add up to its content. Deltas must not include the text of the end token.
 */
public final class StreamingToolCallParser {
    /** What the message looks like so far. */
    public enum State {
        /** Only whitespace or the beginning of {@code <|python_tag|>} so far: nothing released yet. */
        UNDECIDED,
        /** Plain content, released as it comes. */
        CONTENT,
        /** Looks like a tool call: held back until {@link #finish}. */
        TOOL_CALL
    }

    private static final String PYTHON_TAG = Llama3Tokens.PYTHON_TAG_TEXT;

    private final ToolCallParser parser;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private State state = State.UNDECIDED;
    /** TOOL_CALL because the message began with '{' (no python tag seen). */
    private boolean jsonCandidate;
    /** Whether the first character after the candidate's '{' has been seen (and was a quote). */
    private boolean firstKeySeen;
    private ParsedMessage result;

    StreamingToolCallParser(ToolCallParser parser) {
        this.parser = parser;
    }

    public State state() {
        return state;
    }

    /** Adds generated text; returns the content that can be sent now (often empty). */
    public String feed(String delta) {
        if (result != null) {
            throw new IllegalStateException("the message is finished");
        }
        text.append(delta);
        return switch (state) {
            case UNDECIDED -> decide();
            case CONTENT -> releaseContent();
            // Only a closing bracket can complete the object, so only then is the buffer scanned again.
            case TOOL_CALL -> jsonCandidate && (!firstKeySeen || delta.indexOf('}') >= 0 || delta.indexOf(']') >= 0)
                    ? checkJsonCandidate() : "";
        };
    }

    /**
     * Ends the message; returns the content not yet released (when held-back text turned out not to
     * be a call), and makes {@link #result()} available.
     *
     * @param endTokenId as for {@link ToolCallParser#parse(String, int)}
     */
    public String finish(int endTokenId) {
        if (result != null) {
            throw new IllegalStateException("the message is finished");
        }
        result = parser.parse(text.toString(), endTokenId);
        String content = result.content() == null ? "" : result.content();
        String sent = text.substring(0, released);
        return content.startsWith(sent) ? content.substring(sent.length()) : "";
    }

    /** The whole message, after {@link #finish}. */
    public ParsedMessage result() {
        if (result == null) {
            throw new IllegalStateException("call finish() first");
        }
        return result;
    }

    private String decide() {
        int start = 0;
        while (start < text.length() && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        String rest = text.substring(start);
        if (rest.isEmpty() || (PYTHON_TAG.startsWith(rest) && rest.length() < PYTHON_TAG.length())) {
            return "";
        }
        if (rest.startsWith(PYTHON_TAG)) {
            state = State.TOOL_CALL;
            return "";
        }
        if (parser.jsonCallsEnabled() && rest.startsWith("{")) {
            state = State.TOOL_CALL;
            jsonCandidate = true;
            return checkJsonCandidate();
        }
        state = State.CONTENT;
        return releaseContent();
    }

    /** Releases content up to a python tag (then a call starts) or up to a possible beginning of one. */
    private String releaseContent() {
        int tag = text.indexOf(PYTHON_TAG, released);
        if (tag >= 0) {
            String out = text.substring(released, tag);
            released = tag;
            state = State.TOOL_CALL;
            jsonCandidate = false;
            return out;
        }
        int hold = 0;
        for (int k = Math.min(PYTHON_TAG.length() - 1, text.length() - released); k > 0; k--) {
            if (text.substring(text.length() - k).equals(PYTHON_TAG.substring(0, k))) {
                hold = k;
                break;
            }
        }
        String out = text.substring(released, text.length() - hold);
        released = text.length() - hold;
        return out;
    }

    /** Gives up on a JSON call as soon as the text can no longer be one, releasing it as content. */
    private String checkJsonCandidate() {
        if (text.indexOf(PYTHON_TAG) >= 0) {
            jsonCandidate = false; // the python tag decides now; wait for the end
            return "";
        }
        String s = text.toString();
        int open = s.indexOf('{');
        int firstKey = open + 1;
        while (firstKey < s.length() && Character.isWhitespace(s.charAt(firstKey))) {
            firstKey++;
        }
        firstKeySeen = firstKey < s.length();
        boolean impossible = firstKeySeen && s.charAt(firstKey) != '"';
        if (!impossible) {
            int end = ToolCallParser.jsonObjectEnd(s, open);
            if (end > 0) {
                impossible = parser.readJsonCall(s.substring(open, end), true) == null;
                int next = end;
                while (!impossible && next < s.length() && Character.isWhitespace(s.charAt(next))) {
                    next++;
                }
                impossible |= next < s.length() && s.charAt(next) != ';';
            }
        }
        if (!impossible) {
            return "";
        }
        state = State.CONTENT;
        jsonCandidate = false;
        return releaseContent();
    }
}
