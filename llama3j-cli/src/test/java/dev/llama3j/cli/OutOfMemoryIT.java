package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A model that does not fit the memory the JVM may use ends the packaged command with one error line
 * naming {@code llama3j mem} and {@code LLAMA3J_JAVA_OPTS}, exit code 1, not a stack trace. The FP8
 * fixture's repacked weights live in native buffers, here limited to 4 KB.
 */
class OutOfMemoryIT {
    @Test
    void aModelTooLargeForTheLimitIsOneErrorLine() throws IOException, InterruptedException {
        Path repo = Fixtures.repoRoot();
        assertTrue(Files.isRegularFile(repo.resolve("llama3j-cli/target/llama3j.jar")), "runs after package");
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("bin/llama3j").toString(), "bench", "--model",
                repo.resolve("models/quantized/tiny-llama-3.1-chat-ct-fp8").toString(), "-p", "0", "-n", "2");
        pb.environment().put("LLAMA3J_JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("LLAMA3J_JAVA_OPTS", "-XX:MaxDirectMemorySize=4k");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("error: out of memory ("), err);
        assertTrue(err.contains("llama3j mem") && err.contains("LLAMA3J_JAVA_OPTS"), err);
        assertFalse(err.contains("\tat "), err);
    }
}
