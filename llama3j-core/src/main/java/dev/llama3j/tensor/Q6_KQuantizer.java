package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * llama.cpp's {@code quantize_row_q6_K_ref}, step for step in fp32: what {@code llama-quantize} writes
 * for a Q6_K tensor without an importance matrix (the output matrix of a Q4_0 file, say).
 *
 * <p>A block is 256 values in 16 groups of 16. Each group gets a scale from {@code make_qx_quants}
 * (weighted least squares, weights x², over 19 candidate scales); the group scales are quantized to
 * int8 under one fp16 super-scale {@code d}, and the values to 6 bits against {@code d * scale}.
 * Layout: {@code ql[128]} (low 4 bits), {@code qh[64]} (high 2 bits), {@code scales[16]}, {@code d}.
 */
final class Q6_KQuantizer {
    private Q6_KQuantizer() {}

    static final int BLOCK = 256;
    static final int BYTES = 210;
    private static final float GROUP_MAX_EPS = 1e-15f;

    /** Quantizes {@code count} values (a multiple of 256) from {@code x[xo]} to {@code dst} at {@code off}. */
    static void quantize(float[] x, int xo, int count, MemorySegment dst, long off) {
        byte[] l = new byte[BLOCK];
        float[] scales = new float[BLOCK / 16];
        byte[] block = new byte[BYTES];
        for (int b = 0; b < count / BLOCK; b++) {
            block(x, xo + b * BLOCK, l, scales, block);
            MemorySegment.copy(block, 0, dst, LittleEndian.BYTE, off + (long) b * BYTES, BYTES);
        }
    }

    private static void block(float[] x, int xo, byte[] l, float[] scales, byte[] out) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int g = 0; g < 16; g++) {
            float scale = makeQxQuants(x, xo + 16 * g, l, 16 * g);
            scales[g] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        Arrays.fill(out, (byte) 0);
        if (maxAbsScale < GROUP_MAX_EPS) {
            return; // all zero, d = +0
        }
        float iscale = -128.0f / maxScale;
        short dBits = Float.floatToFloat16(1 / iscale);
        out[208] = (byte) dBits;
        out[209] = (byte) (dBits >> 8);
        float d16 = Float.float16ToFloat(dBits);
        for (int g = 0; g < 16; g++) {
            out[192 + g] = (byte) Math.min(127, nearestInt(iscale * scales[g]));
        }
        for (int g = 0; g < 16; g++) {
            float d = d16 * out[192 + g];
            if (d == 0) {
                continue;
            }
            for (int i = 0; i < 16; i++) {
                int q = nearestInt(x[xo + 16 * g + i] / d);
                q = Math.max(-32, Math.min(31, q));
                l[16 * g + i] = (byte) (q + 32);
            }
        }
        // ql: for each half of 128 values, byte i holds value i (low) and i+64 (high), byte 32+i values 32+i
        // and 96+i; qh: byte i holds the top two bits of values i, i+32, i+64, i+96.
        for (int half = 0; half < 2; half++) {
            int j = half * 128;
            int ql = half * 64;
            int qh = 128 + half * 32;
            for (int i = 0; i < 32; i++) {
                int q1 = l[j + i];
                int q2 = l[j + i + 32];
                int q3 = l[j + i + 64];
                int q4 = l[j + i + 96];
                out[ql + i] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                out[ql + i + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                out[qh + i] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    /** {@code make_qx_quants(16, 32, x, L, rmse_type 1, no weights)}: the group's scale; codes into {@code l}. */
    private static float makeQxQuants(float[] x, int xo, byte[] l, int lo) {
        final int n = 16;
        final int nmax = 32;
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                l[lo + i] = 0;
            }
            return 0;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int q = clamp(nearestInt(iscale * xi), nmax);
            l[lo + i] = (byte) (q + nmax);
            float w = xi * xi;
            sumlx += w * xi * q;
            suml2 += w * q * q;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int q = clamp(nearestInt(iscale * xi), nmax);
                float w = xi * xi;
                sumlx += w * xi * q;
                suml2 += w * q * q;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    l[lo + i] = (byte) (nmax + clamp(nearestInt(iscale * x[xo + i]), nmax));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static int clamp(int q, int nmax) {
        return Math.max(-nmax, Math.min(nmax - 1, q));
    }

    /** ggml's {@code nearest_int}: round half to even through the float adder (|v| below 2^22). */
    static int nearestInt(float v) {
        float shifted = v + 12582912.0f;
        return (Float.floatToRawIntBits(shifted) & 0x007fffff) - 0x00400000;
    }
}
