package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The FP8 codec over all 256 codes against values computed here from the OCP FP8 bit formulas, and
 * rounding against a brute-force search for the nearest E4M3 value.
 */
class Fp8Test {
    /** OCP E4M3: bias 7, subnormals m/8·2^-6, only S.1111.111 is NaN, no infinities. */
    private static double e4m3(int code) {
        int s = code >> 7;
        int e = (code >> 3) & 15;
        int m = code & 7;
        if (e == 15 && m == 7) {
            return Double.NaN;
        }
        double v = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return s == 1 ? -v : v;
    }

    /** OCP E5M2: bias 15, subnormals m/4·2^-14, exponent 31 is infinity (m = 0) or NaN. */
    private static double e5m2(int code) {
        int s = code >> 7;
        int e = (code >> 2) & 31;
        int m = code & 3;
        double v;
        if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = e == 0 ? m / 4.0 * Math.pow(2, -14) : (1 + m / 4.0) * Math.pow(2, e - 15);
        }
        return s == 1 ? -v : v;
    }

    @Test
    void decodesEveryE4m3Code() {
        int nans = 0;
        for (int code = 0; code < 256; code++) {
            double expected = e4m3(code);
            float got = Fp8.e4m3ToFloat((byte) code);
            assertEquals(Double.isNaN(expected), Fp8.isE4m3NaN((byte) code), "code " + code);
            if (Double.isNaN(expected)) {
                nans++;
                assertTrue(Float.isNaN(got), "code " + code);
            } else {
                assertEquals(expected, got, 0.0, "code " + code);
                assertEquals(code >= 128, Float.floatToRawIntBits(got) < 0, "sign of code " + code);
            }
        }
        assertEquals(2, nans);
        assertEquals(448f, Fp8.e4m3ToFloat((byte) 0x7e));
        assertEquals(-448f, Fp8.e4m3ToFloat((byte) 0xfe));
        assertEquals(1f, Fp8.e4m3ToFloat((byte) 0x38));
        assertEquals(0x1p-9f, Fp8.e4m3ToFloat((byte) 0x01));
        assertEquals(0x1p-6f, Fp8.e4m3ToFloat((byte) 0x08));
    }

    @Test
    void decodesEveryE5m2Code() {
        for (int code = 0; code < 256; code++) {
            double expected = e5m2(code);
            float got = Fp8.e5m2ToFloat((byte) code);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(got), "code " + code);
            } else {
                assertEquals(expected, got, 0.0, "code " + code);
            }
        }
        assertEquals(57344f, Fp8.e5m2ToFloat((byte) 0x7b));
    }

    @Test
    void everyFiniteE4m3ValueEncodesToItsCode() {
        for (int code = 0; code < 256; code++) {
            if (Fp8.isE4m3NaN((byte) code) || code == 0x80) {
                continue; // -0 encodes as 0x80 too, checked below
            }
            float v = (float) e4m3(code);
            assertEquals((byte) code, Fp8.toE4m3(v), "value " + v);
            assertEquals(v, Fp8.roundToE4m3(v), 0f);
        }
        assertEquals((byte) 0x80, Fp8.toE4m3(-0f));
        assertEquals((byte) 0x00, Fp8.toE4m3(0f));
    }

    /** The nearest finite E4M3 value by search; ties go to the even code (the one with mantissa bit 0 clear). */
    private static float nearest(float f) {
        double best = Double.NaN;
        int bestCode = -1;
        double bestDist = Double.POSITIVE_INFINITY;
        for (int code = 0; code < 127; code++) { // non-negative finite codes
            double v = e4m3(code);
            double dist = Math.abs(Math.abs((double) f) - v);
            if (dist < bestDist || (dist == bestDist && (code & 1) == 0)) {
                bestDist = dist;
                best = v;
                bestCode = code;
            }
        }
        return (float) Math.copySign(best, f);
    }

    @Test
    void roundsToNearestEvenAndSaturates() {
        // Every midpoint between neighbours, and just either side of it.
        for (int code = 0; code < 126; code++) {
            float lo = (float) e4m3(code);
            float hi = (float) e4m3(code + 1);
            float mid = (lo + hi) / 2; // exact: few mantissa bits
            float even = (code & 1) == 0 ? lo : hi;
            assertEquals(even, Fp8.roundToE4m3(mid), 0f, "midpoint of codes " + code + ", " + (code + 1));
            assertEquals(-even, Fp8.roundToE4m3(-mid), 0f);
            assertEquals(lo, Fp8.roundToE4m3(Math.nextDown(mid)), 0f);
            assertEquals(hi, Fp8.roundToE4m3(Math.nextUp(mid)), 0f);
        }
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < 20_000; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(-14, 10)));
            assertEquals(nearest(Math.max(-448f, Math.min(448f, f))), Fp8.roundToE4m3(f), 0f, "value " + f);
        }
        assertEquals(448f, Fp8.roundToE4m3(464f));
        assertEquals(448f, Fp8.roundToE4m3(1e9f));
        assertEquals(-448f, Fp8.roundToE4m3(Float.NEGATIVE_INFINITY));
        assertEquals((byte) 0x7e, Fp8.toE4m3(Float.POSITIVE_INFINITY));
        assertEquals((byte) 0xfe, Fp8.toE4m3(-500f));
        assertEquals(0f, Fp8.roundToE4m3(0x1p-11f), 0f); // below half the smallest subnormal
        assertEquals(0x1p-9f, Fp8.roundToE4m3(0x1.8p-10f), 0f);
        assertTrue(Float.isNaN(Fp8.roundToE4m3(Float.NaN)));
        assertTrue(Fp8.isE4m3NaN(Fp8.toE4m3(Float.NaN)));
        assertFalse(Fp8.isE4m3NaN((byte) 0x7e));
    }

    @Test
    void vectorQuantizationMatchesScalarRounding() {
        // Every E4M3 midpoint and neighbour, random values over the whole range, and the saturating ones.
        float[] x = new float[4 * 126 + 2003];
        int i = 0;
        for (int code = 0; code < 126; code++) {
            float mid = (float) ((e4m3(code) + e4m3(code + 1)) / 2);
            x[i++] = mid;
            x[i++] = -Math.nextUp(mid);
            x[i++] = Math.nextDown(mid);
            x[i++] = (float) -e4m3(code);
        }
        SplittableRandom r = new SplittableRandom(4);
        while (i < x.length) {
            x[i++] = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(-14, 12)));
        }
        for (boolean divide : new boolean[] {false, true}) {
            float factor = divide ? 0.5f : 2f;
            float[] out = new float[x.length + 3];
            Fp8.quantizeRow(x, 0, x.length, factor, divide, 0x1p64f, out, 3);
            for (int k = 0; k < x.length; k++) {
                float v = divide ? x[k] / factor : x[k] * factor;
                assertEquals(Fp8.roundToE4m3(v) * 0x1p64f, out[k + 3], 0f, "value " + v);
            }
        }
        assertEquals(1e9f, Fp8.maxAbs(new float[] {1, -1e9f, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 2}, 0, 18));
    }
}
