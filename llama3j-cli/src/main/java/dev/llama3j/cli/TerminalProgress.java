package dev.llama3j.cli;

import dev.llama3j.convert.ConversionProgress;
import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn in place at most ten times a second; silent unless the
 * console is an interactive terminal, so logs and pipes get no control characters.
 */
final class TerminalProgress implements ConversionProgress {
    private static final int WIDTH = 30;

    private final PrintStream err;
    private long lastDraw;
    private boolean drawn;

    private TerminalProgress(PrintStream err) {
        this.err = err;
    }

    /** A bar on stderr when it is a terminal, else {@link ConversionProgress#NONE}. */
    static ConversionProgress forConsole() {
        return onTerminal() ? new TerminalProgress(System.err) : NONE;
    }

    /** Whether the console is an interactive terminal (progress bars draw only then). */
    static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** A bar of {@code #} and {@code .} for a fraction done in [0, 1]. */
    static String bar(double fraction) {
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "]";
    }

    @Override
    public void update(String tensor, int index, int count, long bytesDone, long bytesTotal) {
        long now = System.nanoTime();
        boolean last = bytesDone >= bytesTotal && index == count - 1;
        if (!last && drawn && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double f = bytesTotal == 0 ? 1 : (double) bytesDone / bytesTotal;
        String name = tensor.length() > 28 ? tensor.substring(0, 28) : tensor;
        err.printf(Locale.ROOT, "\r%s %3d%% %s / %s  %d/%d %-28s", bar(f), Math.round(f * 100), size(bytesDone),
                size(bytesTotal), index + 1, count, name);
        if (last) {
            err.println();
        }
        err.flush();
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
