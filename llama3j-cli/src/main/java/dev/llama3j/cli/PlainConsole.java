package dev.llama3j.cli;

import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.GenerationResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code llama3j chat} without a terminal, e.g. {@code echo "What is the capital of France?" | llama3j chat}:
 * every input line is one message, answers go to standard output as plain text, stats (when asked
 * for) and errors to standard error. No prompts, colors or notes, so the output is only the answers.
 */
final class PlainConsole implements ChatConsole {
    private final BufferedReader in;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean showStats;
    /** Whether answer text has been printed since the last line end. */
    private boolean midLine;

    PlainConsole(InputStream in, PrintStream out, PrintStream err, boolean showStats) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = out;
        this.err = err;
        this.showStats = showStats;
    }

    @Override
    public boolean interactive() {
        return false;
    }

    @Override
    public String readLine(Prompt prompt) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
        }
    }

    @Override
    public void onInterrupt(Runnable onInterrupt) {
        // Ctrl-C ends a piped run, as for any filter.
    }

    @Override
    public void content(String delta) {
        out.print(delta);
        out.flush();
        midLine = !delta.isEmpty() || midLine;
    }

    @Override
    public void endContent() {
        // An answer that is only tool calls prints no empty line before them.
        if (midLine) {
            out.println();
            out.flush();
            midLine = false;
        }
    }

    @Override
    public void toolCall(ToolCall call) {
        out.println(ToolCallPrinter.line(call));
        out.flush();
    }

    @Override
    public void stats(GenerationResult result) {
        if (showStats) {
            err.println(ChatStats.line(result));
            err.flush();
        }
    }

    @Override
    public void info(String text) {
    }

    @Override
    public void error(String message) {
        err.println("error: " + message);
        err.flush();
    }

    @Override
    public void close() {
        out.flush();
    }
}
