package dev.llama3j.cli;

import dev.llama3j.datagen.DatagenProgress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code llama3j datagen}'s progress line on stderr (rows done, tokens per second, time left), drawn
 * with {@link TerminalProgress}'s bar at most ten times a second, and only on a terminal.
 */
final class DatagenProgressBar implements DatagenProgress {
    private final PrintStream err;
    private final long start = System.nanoTime();
    private long lastDraw;

    private DatagenProgressBar(PrintStream err) {
        this.err = err;
    }

    static DatagenProgress forConsole() {
        return TerminalProgress.onTerminal() ? new DatagenProgressBar(System.err) : NONE;
    }

    @Override
    public void update(long rowsDone, long rowsTotal, long tokens) {
        long now = System.nanoTime();
        boolean last = rowsDone >= rowsTotal;
        if (!last && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        err.print("\r" + line(rowsDone, rowsTotal, tokens, (now - start) / 1e9));
        if (last) {
            err.println();
        }
        err.flush();
    }

    /** The text of the line after {@code seconds} of work. */
    static String line(long rowsDone, long rowsTotal, long tokens, double seconds) {
        double rate = seconds > 0 ? tokens / seconds : 0;
        String eta = rowsDone == 0 ? "?" : duration(seconds * (rowsTotal - rowsDone) / rowsDone);
        return String.format(Locale.ROOT, "%s %d/%d rows  %.1f tok/s  ETA %s   ",
                TerminalProgress.bar(rowsTotal == 0 ? 1 : (double) rowsDone / rowsTotal), rowsDone, rowsTotal, rate, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
