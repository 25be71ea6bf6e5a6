package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The host-dependent kernel choices (read streams, fp32 columns for many inputs) and their overrides, the Q6_K layout's too. */
class KernelTuningTest {
    @Test
    void amdGetsOneStreamAndTheIntegerKernels() {
        assertEquals(new KernelTuning(1, false), KernelTuning.choose(null, null, true));
        assertEquals(new KernelTuning(2, true), KernelTuning.choose(null, null, false));
    }

    @Test
    void thePropertiesForceEither() {
        assertEquals(new KernelTuning(2, true), KernelTuning.choose("2", "true", true));
        assertEquals(new KernelTuning(1, false), KernelTuning.choose("1", "false", false));
        assertEquals(new KernelTuning(1, true), KernelTuning.choose(null, "true", true));
        assertEquals(new KernelTuning(1, true), KernelTuning.choose("1", null, false));
    }

    @Test
    void anInvalidValueIsIgnoredWithALineNamingIt() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(new KernelTuning(1, false), KernelTuning.choose("3", "yes", true));
            assertEquals(new KernelTuning(2, true), KernelTuning.choose("two", "", false));
            assertEquals(null, Q6KLayout.parse("six"));
        } finally {
            System.setErr(saved);
        }
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("-Dllama3j.readStreams=3 ignored: it takes 1 or 2"), said);
        assertTrue(said.contains("-Dllama3j.fusedColumns=yes ignored: it takes true or false"), said);
        assertTrue(said.contains("-Dllama3j.q6kLayout=six ignored: it takes compact or byte"), said);
        KernelTuning host = KernelTuning.HOST;
        assertTrue(host.readStreams() == 1 || host.readStreams() == 2);
    }

    @Test
    void aTuningHasOneOrTwoStreams() {
        assertThrows(IllegalArgumentException.class, () -> new KernelTuning(3, true));
    }
}
