package dev.llama3j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.Processes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/compare} (a hand-run node script) refuses a bad {@code --batched-types} before it
 * builds native llama.cpp or measures anything: at once, with exit code 1 and the reason. Node is
 * already needed by the cross-engine tests ({@code dev.llama3j.testing.LlamaCpp}).
 */
class CompareOptionsTest {
    /** Refusals come before the native build (minutes on a fresh machine): seconds are plenty. */
    private static Processes.Result compare(String... args) {
        Path root = Fixtures.repoRoot();
        List<String> cmd = new ArrayList<>(List.of("node", root.resolve("bench/compare").toString()));
        cmd.addAll(List.of(args));
        return Processes.run(root, cmd, 60);
    }

    @Test
    void aTypeThatIsNotInTheRunIsRefused() {
        Processes.Result r = compare("--types", "q4_0", "--batched-types", "q4_k_m");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--batched-types: q4_k_m is not one of this run's types (q4_0)"), r.err());
        assertFalse(r.err().contains("native llama.cpp"), "refused before looking for llama.cpp: " + r.err());
        assertEquals("", r.out());
    }

    /** The README runs it as {@code bench/compare ...}: it must stay an executable with its node shebang. */
    @Test
    void theScriptRunsAsTheReadmeWritesIt() {
        Path root = Fixtures.repoRoot();
        Processes.Result r = Processes.run(root,
                List.of(root.resolve("bench/compare").toString(), "--types", "q4_0", "--batched-types", "q4_k_m"), 60);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--batched-types: q4_k_m is not one of this run's types (q4_0)"), r.err());
    }

    @Test
    void anEmptyListIsRefused() {
        Processes.Result r = compare("--types", "q4_0", "--batched-types", ",");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--batched-types needs at least one type"), r.err());
    }
}
