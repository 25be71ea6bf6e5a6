package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Llama3RopeFactorsTest {
    @Test
    void llama31FactorsAsTheConverterComputesThem() {
        // Llama 3.1 8B: head_dim 128, rope_theta 500000, factor 8, low 1, high 4, original 8192
        float[] f = Llama3RopeFactors.compute(500000, 128, 8, 1, 4, 8192);
        assertEquals(64, f.length);
        // expected bits from a numpy float32 replay of convert_hf_to_gguf.py's torch steps
        int[] mediumBits = {0x3f9a8ed5, 0x3fc6d64a, 0x4001af1d, 0x402c732e, 0x406bcace, 0x40a83c06};
        for (int i = 0; i < 64; i++) {
            if (i < 29) {
                assertEquals(1f, f[i], "factor " + i + " (wavelength below 8192/4)");
            } else if (i > 34) {
                assertEquals(8f, f[i], "factor " + i + " (wavelength above 8192)");
            } else {
                assertEquals(mediumBits[i - 29], Float.floatToRawIntBits(f[i]), "factor " + i + " = " + f[i]);
            }
        }
        assertEquals(1.2074839f, f[29]);
        assertEquals(5.257327f, f[34]);
    }

    @Test
    void agreesWithTheFormulaInDoublePrecision() {
        float[] f = Llama3RopeFactors.compute(500000, 64, 32, 1, 4, 8192); // Llama 3.2 1B/3B style
        for (int i = 0; i < f.length; i++) {
            double freq = 1 / Math.pow(500000, 2.0 * i / 64);
            double wavelen = 2 * Math.PI / freq;
            double expected;
            if (wavelen < 2048) {
                expected = 1;
            } else if (wavelen > 8192) {
                expected = 32;
            } else {
                double smooth = (8192 / wavelen - 1) / 3;
                expected = 1 / ((1 - smooth) / 32 + smooth);
            }
            assertEquals(expected, f[i], 1e-5 * expected, "factor " + i);
            assertTrue(i == 0 || f[i] >= f[i - 1], "factors never decrease");
        }
    }

    @Test
    void refusesImpossibleParameters() {
        assertThrows(IllegalArgumentException.class, () -> Llama3RopeFactors.compute(500000, 127, 8, 1, 4, 8192));
        assertThrows(IllegalArgumentException.class, () -> Llama3RopeFactors.compute(500000, 128, 8, 4, 4, 8192));
    }
}
