package dev.llama3j.cli;

import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.GenerationResult;

/**
 * Where {@code llama3j chat} reads and writes: a terminal with line editing ({@link TerminalConsole})
 * or plain standard input and output ({@link PlainConsole}). {@link ChatRepl} holds the logic that
 * both share.
 */
interface ChatConsole extends AutoCloseable {
    /** What {@link #readLine} returns when the user pressed Ctrl-C at the prompt. */
    String INTERRUPTED = new String("^C");

    /** The two prompts: a message for the model, or the result of a tool call it made. */
    enum Prompt { MESSAGE, TOOL_RESULT }

    /** Whether a person is at a terminal (prompts, colors, Ctrl-C to stop an answer). */
    boolean interactive();

    /** The next input line; null at the end of input, {@link #INTERRUPTED} after Ctrl-C at the prompt. */
    String readLine(Prompt prompt);

    /**
     * Runs {@code onInterrupt} when the user presses Ctrl-C until the next call; null makes Ctrl-C do
     * nothing outside the prompt.
     */
    void onInterrupt(Runnable onInterrupt);

    /** Part of the answer as it streams in. */
    void content(String delta);

    /** The answer's text is complete: end its line. */
    void endContent();

    void toolCall(ToolCall call);

    /** Token counts and speeds of an answer. */
    void stats(GenerationResult result);

    /** A note for the person: banner, help, "stopped" (nothing when not interactive). */
    void info(String text);

    /** A problem, as one {@code error: …} line. */
    void error(String message);

    @Override
    void close();
}
