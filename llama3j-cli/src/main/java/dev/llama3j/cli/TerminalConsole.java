package dev.llama3j.cli;

import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.GenerationResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

/**
 * {@code llama3j chat} at a terminal, through JLine: line editing and history (in memory) at the
 * prompt, the answer streamed as it is generated, tool calls, notes and stats in color, and Ctrl-C
 * that stops an answer instead of the program.
 */
final class TerminalConsole implements ChatConsole {
    private static final AttributedStyle USER_PROMPT = AttributedStyle.BOLD.foreground(AttributedStyle.GREEN);
    private static final AttributedStyle TOOL_PROMPT = AttributedStyle.BOLD.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle TOOL_CALL = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle DIM = AttributedStyle.DEFAULT.faint();
    private static final AttributedStyle ERROR = AttributedStyle.DEFAULT.foreground(AttributedStyle.RED);

    private final Terminal terminal;
    private final LineReader reader;
    private final PrintWriter out;
    private volatile Runnable onInterrupt;
    /** Whether the cursor is at the start of a line (so that notes never start mid-line). */
    private boolean atLineStart = true;

    private TerminalConsole(Terminal terminal) {
        this.terminal = terminal;
        this.out = terminal.writer();
        DefaultParser parser = new DefaultParser();
        // Messages are prose, not shell words: an apostrophe or a trailing backslash must not ask for more lines.
        parser.setEofOnUnclosedQuote(false);
        parser.setEofOnUnclosedBracket();
        parser.setEofOnEscapedNewLine(false);
        this.reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("llama3j")
                .parser(parser)
                // "!" in a message is punctuation, not history expansion.
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .option(LineReader.Option.BRACKETED_PASTE, true)
                .option(LineReader.Option.HISTORY_IGNORE_SPACE, false)
                // Typing or pasting JSON must not pause at each closing bracket to show its partner.
                .variable(LineReader.BLINK_MATCHING_PAREN, 0)
                .build();
        terminal.handle(Terminal.Signal.INT, signal -> {
            Runnable r = onInterrupt;
            if (r != null) {
                r.run();
            }
        });
    }

    /** Opens the process's terminal. */
    static TerminalConsole open() {
        try {
            return new TerminalConsole(TerminalBuilder.builder().system(true).nativeSignals(true).build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public String readLine(Prompt prompt) {
        String text = prompt == Prompt.MESSAGE ? "you> " : "tool result> ";
        AttributedStyle style = prompt == Prompt.MESSAGE ? USER_PROMPT : TOOL_PROMPT;
        try {
            return reader.readLine(new AttributedString(text, style).toAnsi(terminal));
        } catch (UserInterruptException e) {
            return INTERRUPTED;
        } catch (EndOfFileException e) {
            return null;
        } finally {
            atLineStart = true;
        }
    }

    @Override
    public void onInterrupt(Runnable onInterrupt) {
        this.onInterrupt = onInterrupt;
        // While an answer streams, keys typed are not echoed into it (they wait for the next prompt);
        // Ctrl-C still raises SIGINT, which the handler above turns into a stop.
        Attributes attributes = terminal.getAttributes();
        attributes.setLocalFlag(Attributes.LocalFlag.ECHO, onInterrupt == null);
        terminal.setAttributes(attributes);
    }

    @Override
    public void content(String delta) {
        if (delta.isEmpty()) {
            return;
        }
        out.print(printable(delta));
        out.flush();
        atLineStart = delta.endsWith("\n");
    }

    /**
     * The text with control characters other than newline and tab shown as {@code ^X} or {@code \x9b}
     * (carriage returns dropped): generated text, or a tool result it repeats, must not move the
     * cursor, recolor or retitle the user's terminal.
     */
    static String printable(String text) {
        if (text.chars().noneMatch(TerminalConsole::isControl)) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                sb.append(c);
            } else if (c < 0x20 && c != '\r') {
                sb.append('^').append((char) (c + '@'));
            } else if (c != '\r') {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return sb.toString();
    }

    private static boolean isControl(int c) {
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0);
    }

    @Override
    public void endContent() {
        newLineIfNeeded();
    }

    @Override
    public void toolCall(ToolCall call) {
        println(ToolCallPrinter.line(call), TOOL_CALL);
    }

    @Override
    public void stats(GenerationResult result) {
        println(ChatStats.line(result), DIM);
    }

    @Override
    public void info(String text) {
        println(text, DIM);
    }

    @Override
    public void error(String message) {
        println("error: " + message, ERROR);
    }

    private void println(String text, AttributedStyle style) {
        newLineIfNeeded();
        for (String line : printable(text).split("\n", -1)) {
            out.println(new AttributedString(line, style).toAnsi(terminal));
        }
        out.flush();
        atLineStart = true;
    }

    private void newLineIfNeeded() {
        if (!atLineStart) {
            out.println();
            out.flush();
            atLineStart = true;
        }
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            // The process is ending; the terminal's settings are restored as far as they can be.
        }
    }
}
