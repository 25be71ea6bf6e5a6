package dev.llama3j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/compare} (a hand-run node script) refuses a bad {@code --batched-types} before it
 * builds native llama.cpp or measures anything: at once, with exit code 1 and the reason. Node is
 * already needed by the cross-engine tests ({@code dev.llama3j.testing.LlamaCpp}).
 */
class CompareOptionsTest {
    private record Run(int code, String out, String err) {}

    private static Run compare(String... args) throws IOException, InterruptedException {
        Path root = Fixtures.repoRoot();
        List<String> cmd = new ArrayList<>(List.of("node", root.resolve("bench/compare").toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("compare", ".out");
        Path err = Files.createTempFile("compare", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            // Refusals come before the native build (minutes on a fresh machine): seconds are plenty.
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bench/compare " + String.join(" ", args) + " did not stop within 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void aTypeThatIsNotInTheRunIsRefused() throws Exception {
        Run r = compare("--types", "q4_0", "--batched-types", "q4_k_m");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--batched-types: q4_k_m is not one of this run's types (q4_0)"), r.err());
        assertFalse(r.err().contains("native llama.cpp"), "refused before looking for llama.cpp: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void anEmptyListIsRefused() throws Exception {
        Run r = compare("--types", "q4_0", "--batched-types", ",");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--batched-types needs at least one type"), r.err());
    }
}
