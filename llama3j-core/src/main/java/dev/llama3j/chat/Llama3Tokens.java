package dev.llama3j.chat;

/** Ids and texts of the Llama 3.1 special tokens that the chat format uses. */
public final class Llama3Tokens {
    public static final int BEGIN_OF_TEXT = 128000;
    public static final int END_OF_TEXT = 128001;
    public static final int START_HEADER = 128006;
    public static final int END_HEADER = 128007;
    /** End of message: the assistant made a tool call and waits for its result. */
    public static final int EOM = 128008;
    /** End of turn. */
    public static final int EOT = 128009;
    public static final int PYTHON_TAG = 128010;

    public static final String BEGIN_OF_TEXT_TEXT = "<|begin_of_text|>";
    public static final String END_OF_TEXT_TEXT = "<|end_of_text|>";
    public static final String EOM_TEXT = "<|eom_id|>";
    public static final String EOT_TEXT = "<|eot_id|>";
    public static final String PYTHON_TAG_TEXT = "<|python_tag|>";

    private Llama3Tokens() {}
}
