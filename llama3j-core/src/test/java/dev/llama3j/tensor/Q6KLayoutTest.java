package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Which form a model's Q6_K matrices take, and the property that forces one (an invalid value: KernelTuningTest). */
class Q6KLayoutTest {
    @Test
    void mostlyQ6KTakesTheCompactFormAndAMinorityTheByteForm() {
        // A Q6_K file (everything but the norms), a 1B Q4_K_M (output layer and half of ffn_down), none.
        assertEquals(Q6KLayout.COMPACT, Q6KLayout.choose(null, 1_235_000_000L, 1_235_000_000L));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.choose(null, 404_000_000L, 1_235_000_000L));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.choose(null, 0, 1_235_000_000L));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.choose(null, 500, 1000)); // half is not most
        assertEquals(Q6KLayout.COMPACT, Q6KLayout.choose(null, 501, 1000));
    }

    @Test
    void thePropertyForcesEitherFormOnAnyModel() {
        assertEquals(Q6KLayout.BYTE, Q6KLayout.choose(Q6KLayout.BYTE, 1000, 1000));
        assertEquals(Q6KLayout.COMPACT, Q6KLayout.choose(Q6KLayout.COMPACT, 0, 1000));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.parse("byte"));
        assertEquals(Q6KLayout.COMPACT, Q6KLayout.parse("compact"));
        assertNull(Q6KLayout.parse(null));
    }

    @Test
    void anOutputLayerForOneSequenceTakesBothFormsWhereTheModelsAreBytes() {
        // Assumes no -Dllama3j.q6kLayout (the tests do not set it): a forced layout is every matrix's.
        assertEquals(Q6KLayout.BOTH, Q6KLayout.forOutput(Q6KLayout.BYTE, 1));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.forOutput(Q6KLayout.BYTE, 8));
        assertEquals(Q6KLayout.BYTE, Q6KLayout.forOutput(Q6KLayout.BYTE, 0)); // a count not known
        assertEquals(Q6KLayout.COMPACT, Q6KLayout.forOutput(Q6KLayout.COMPACT, 1)); // its memory is the point
    }
}
