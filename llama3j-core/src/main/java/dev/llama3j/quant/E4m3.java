package dev.llama3j.quant;

/**
 * FP8 E4M3 (the OCP "fn" variant safetensors calls {@code F8_E4M3}): 1 sign, 4 exponent (bias 7) and
 * 3 mantissa bits; no infinities; S.1111.111 is NaN; the largest value is 448.
 */
final class E4m3 {
    private static final float[] VALUES = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            int exp = (b >>> 3) & 0xF;
            int man = b & 7;
            float v = exp == 0 ? man / 8f * 0x1p-6f : (1 + man / 8f) * (float) Math.pow(2, exp - 7);
            if (exp == 15 && man == 7) {
                v = Float.NaN;
            }
            VALUES[b] = (b & 0x80) != 0 ? -v : v;
        }
    }

    private E4m3() {}

    static float decode(byte b) {
        return VALUES[b & 0xFF];
    }

    static boolean isNaN(byte b) {
        return (b & 0x7F) == 0x7F;
    }
}
