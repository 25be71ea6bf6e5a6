package dev.llama3j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command in a pseudo-terminal, as a person at a terminal would, with {@code script} from
 * util-linux (on every Debian system: package bsdutils). What the test types goes to the terminal's
 * keyboard side; what the program writes is read back with its escape codes removed, so tests can
 * wait for text to appear on the screen.
 */
final class PseudoTerminal implements AutoCloseable {
    /** CSI sequences (colors, cursor moves, modes), other ESC sequences, and stray carriage returns. */
    private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]|\u001b\\][^\u0007]*\u0007|\u001b[=>()][0-9A-Za-z]?|\r");

    private final Process process;
    private final OutputStream keyboard;
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Thread reader;
    /** Where in the screen text the next {@link #expect} starts looking. */
    private int mark;

    private PseudoTerminal(Process process) {
        this.process = process;
        this.keyboard = process.getOutputStream();
        this.reader = Thread.ofPlatform().daemon().start(() -> copy(process.getInputStream()));
    }

    /**
     * Starts {@code shellCommand} in a terminal of {@code columns}×{@code rows} in {@code dir}.
     *
     * @throws AssertionError when {@code script} is missing, saying how to install it
     */
    static PseudoTerminal start(Path dir, Map<String, String> env, int columns, int rows, String shellCommand) {
        Path script = Path.of("/usr/bin/script");
        if (!Files.isExecutable(script)) {
            throw new AssertionError("this test drives a terminal with /usr/bin/script from util-linux, which is missing;"
                    + " install it (Debian: apt-get install bsdutils)");
        }
        // -q: no "Script started" lines; -e: exit with the command's code; /dev/null: keep no typescript file.
        ProcessBuilder pb = new ProcessBuilder(List.of(script.toString(), "-q", "-e", "-c",
                "stty cols " + columns + " rows " + rows + " && exec " + shellCommand, "/dev/null"))
                .directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            return new PseudoTerminal(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Quotes a word for {@code sh}. */
    static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (screen) {
                    screen.write(buf, 0, n);
                    screen.notifyAll();
                }
            }
        } catch (IOException e) {
            // The process ended.
        }
    }

    /** Types a line and presses Enter. */
    void typeLine(String text) {
        keys(text + "\r");
    }

    /** Sends key presses as they are ({@code "\u0003"} is Ctrl-C, {@code "\u0004"} Ctrl-D). */
    void keys(String keys) {
        try {
            keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot type into the terminal (did the program end?)\n" + transcript(), e);
        }
    }

    /** The screen's text so far, escape codes removed. */
    String transcript() {
        synchronized (screen) {
            return ESCAPES.matcher(screen.toString(StandardCharsets.UTF_8)).replaceAll("");
        }
    }

    /**
     * Waits until {@code text} appears after what earlier expectations matched, and moves past it.
     *
     * @return the screen text from the previous mark up to and including {@code text}
     */
    String expect(String text, Duration timeout) {
        return expect(Pattern.compile(Pattern.quote(text)), timeout).group();
    }

    /** As {@link #expect(String, Duration)} for a pattern; returns its match. */
    Matcher expect(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (screen) {
            while (true) {
                String all = transcript();
                Matcher m = pattern.matcher(all);
                if (m.find(mark)) {
                    mark = m.end();
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("waited " + timeout.toSeconds() + " s for '" + pattern + "' on the screen"
                            + (process.isAlive() ? "" : " (the program has ended)") + "; the screen after the last"
                            + " match:\n" + all.substring(Math.min(mark, all.length())) + "\n--- whole screen:\n" + all);
                }
                try {
                    screen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Waits for the program to end; returns its exit code. */
    int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the program did not end within " + timeout.toSeconds() + " s; screen:\n"
                        + transcript());
            }
            reader.join(timeout.toMillis());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
