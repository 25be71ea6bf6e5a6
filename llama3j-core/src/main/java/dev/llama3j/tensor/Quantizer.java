package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Converts fp32 values to a storage type, bit for bit as llama.cpp's reference quantizers do, so that a
 * file llama3j writes is the file {@code llama-quantize} (or {@code convert_hf_to_gguf.py}) would write
 * from the same fp32 values.
 *
 * <ul>
 *   <li>F32: the values, little-endian.</li>
 *   <li>F16: IEEE half, round to nearest even ({@link Float#floatToFloat16}, as ggml's F16C path).</li>
 *   <li>BF16: round to nearest even, NaN kept and made quiet ({@link #floatToBf16}).</li>
 *   <li>Q8_0: {@code quantize_row_q8_0_ref}.</li>
 *   <li>Q4_0: {@code quantize_row_q4_0_ref}.</li>
 *   <li>Q4_1: {@code quantize_row_q4_1_ref}.</li>
 *   <li>Q6_K: {@code quantize_row_q6_K_ref} ({@link Q6_KQuantizer}), which llama-quantize uses for the
 *       output matrix of Q4_0 files.</li>
 * </ul>
 * Q4_K and Q5_K are not offered here.
 */
public final class Quantizer {
    private Quantizer() {}

    /** Whether {@link #quantize} can produce {@code type}. */
    public static boolean canQuantize(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q6_K -> true;
            default -> false;
        };
    }

    /** {@code values} in {@code type}; its length must be a multiple of the type's block size. */
    public static byte[] quantize(GgmlType type, float[] values) {
        checkSupported(type);
        checkBlocks(type, values.length);
        byte[] out = new byte[Math.toIntExact(type.bytesFor(values.length))];
        quantize(type, values, 0, values.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    /**
     * Writes {@code src[srcOff .. srcOff+count)} in {@code type} to {@code dst} at {@code dstOff}
     * ({@code type.bytesFor(count)} bytes). {@code count} must be a multiple of the block size: a row of
     * a quantized matrix, or several rows.
     */
    public static void quantize(GgmlType type, float[] src, int srcOff, int count, MemorySegment dst, long dstOff) {
        checkSupported(type);
        checkBlocks(type, count);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LittleEndian.FLOAT, dstOff + 4L * i, src[srcOff + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LittleEndian.SHORT, dstOff + 2L * i, Float.floatToFloat16(src[srcOff + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(LittleEndian.SHORT, dstOff + 2L * i, floatToBf16(src[srcOff + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    q8_0Block(src, srcOff + 32 * b, dst, dstOff + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    q4_0Block(src, srcOff + 32 * b, dst, dstOff + 18L * b);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < count / 32; b++) {
                    q4_1Block(src, srcOff + 32 * b, dst, dstOff + 20L * b);
                }
            }
            case Q6_K -> Q6_KQuantizer.quantize(src, srcOff, count, dst, dstOff);
            default -> throw new AssertionError(type);
        }
    }

    /**
     * fp32 to bfloat16 bits as ggml's {@code ggml_compute_fp32_to_bf16}: NaN keeps its sign and top
     * mantissa bits and gets the quiet bit (0x40) set; everything else, infinities and subnormals
     * included, is rounded to nearest even on the dropped 16 bits.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; no overflow can reach
        // the sign bit because the largest non-NaN input is 0xff800000.
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** C's {@code roundf}: halfway cases away from zero ({@link Math#round} rounds them up). */
    static float roundHalfAwayFromZero(float v) {
        return (float) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    // quantize_row_q8_0_ref: d = amax / 127 (fp32), stored as fp16; q = roundf(x * (1/d)).
    private static void q8_0Block(float[] x, int xo, MemorySegment dst, long off) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            float a = Math.abs(x[xo + j]);
            amax = amax > a ? amax : a; // C's MAX macro, not Math.max: they differ on NaN
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        dst.set(LittleEndian.SHORT, off, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            dst.set(LittleEndian.BYTE, off + 2 + j, (byte) (int) roundHalfAwayFromZero(x[xo + j] * id));
        }
    }

    // quantize_row_q4_0_ref: max = the value of largest magnitude (first one wins a tie), d = max / -8,
    // q = min(15, (int8)(x/d + 8.5)); byte j = q[j] | q[j+16] << 4.
    private static void q4_0Block(float[] x, int xo, MemorySegment dst, long off) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        dst.set(LittleEndian.SHORT, off, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[xo + 16 + j] * id + 8.5f));
            dst.set(LittleEndian.BYTE, off + 2 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    // quantize_row_q4_1_ref: d = (max - min) / 15, m = min, q = min(15, (int8)((x - min)/d + 0.5)).
    private static void q4_1Block(float[] x, int xo, MemorySegment dst, long off) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        dst.set(LittleEndian.SHORT, off, Float.floatToFloat16(d));
        dst.set(LittleEndian.SHORT, off + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) ((x[xo + 16 + j] - min) * id + 0.5f));
            dst.set(LittleEndian.BYTE, off + 4 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    private static void checkSupported(GgmlType type) {
        if (!canQuantize(type)) {
            throw new IllegalArgumentException("cannot quantize to " + type
                    + "; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q6_K");
        }
    }

    private static void checkBlocks(GgmlType type, int count) {
        if (count % type.blockSize != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + type + " blocks of "
                    + type.blockSize);
        }
    }
}
