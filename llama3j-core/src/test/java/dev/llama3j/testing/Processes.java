package dev.llama3j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an outside command for a test (node tools, scripts) and keeps what it printed. */
public final class Processes {
    private Processes() {}

    /** A finished command: its exit code and its standard output and error. */
    public record Result(int code, String out, String err) {}

    /**
     * Runs {@code cmd} in {@code dir}, its output kept in temporary files (no pipe to fill up);
     * fails the test if it has not finished in {@code timeoutSeconds}. A command that cannot start
     * (not installed) gives exit code 127 and the reason in {@code err}, as a shell would.
     */
    public static Result run(Path dir, List<String> cmd, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("process", ".out");
            Path err = Files.createTempFile("process", ".err");
            try {
                Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(127, "", cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + cmd, e);
        }
    }
}
