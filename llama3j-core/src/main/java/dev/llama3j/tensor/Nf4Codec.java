package dev.llama3j.tensor;

/**
 * bitsandbytes' NF4 4-bit format as QLoRA stores a frozen base ({@code quantize_4bit(quant_type="nf4",
 * blocksize=64)}): the values, flattened, are cut into blocks of 64; each block keeps its absolute
 * maximum (fp32) and each value the index of the nearest of 16 code values (quantiles of a normal
 * distribution, scaled to [-1, 1]) to {@code value · (1/absmax)}. Two codes per byte, the first
 * (even-indexed) value in the high nibble. Dequantized value: {@code CODE[index] · absmax}.
 *
 * <p>Rounding is bitsandbytes' {@code dQuantizeNF4}: a comparison tree with strict {@code >} against
 * the {@link #THRESHOLDS} (about the midpoints of neighbouring codes), so a value picks the code after
 * every threshold it exceeds. A block of zeros has absmax 0 and gives NaN, which exceeds nothing:
 * code 0 ({@code -1·0 = -0.0}), as on the GPU.
 */
public final class Nf4Codec {
    public static final int BLOCK = 64;

    /** {@code nf4_dequantization_lut} of bitsandbytes' {@code csrc/kernels.cu}. */
    private static final float[] CODE = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f
    };

    /** {@code dQuantizeNF4}'s pivots in ascending order: code {@code k+1} starts above {@code THRESHOLDS[k]}. */
    private static final float[] THRESHOLDS = {
        -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
        -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
        0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
        0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f
    };

    private Nf4Codec() {}

    /** The value of 4-bit code {@code index} (0..15) before scaling. */
    public static float code(int index) {
        return CODE[index];
    }

    /** The code of {@code x}, already divided by its block's absmax. */
    public static int quantize(float x) {
        int q = 0;
        for (float t : THRESHOLDS) {
            if (x > t) {
                q++;
            }
        }
        return q;
    }

    /**
     * Quantizes {@code values[0 .. n)} ({@code n} a multiple of 64): codes into {@code packed[0 .. n/2)},
     * one absmax per block into {@code absmax[0 .. n/64)}.
     */
    public static void quantize(float[] values, int n, byte[] packed, float[] absmax) {
        quantize(values, 0, n, packed, 0, absmax, 0);
    }

    /** As {@link #quantize(float[], int, byte[], float[])}, from and to the given offsets (blocks whole). */
    public static void quantize(float[] values, int from, int n, byte[] packed, int packedOff, float[] absmax,
            int absmaxOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            int s = from + b * BLOCK;
            float max = 0f;
            for (int i = 0; i < BLOCK; i++) {
                max = Math.max(max, Math.abs(values[s + i]));
            }
            absmax[absmaxOff + b] = max;
            float inv = 1.0f / max;
            for (int i = 0; i < BLOCK; i += 2) {
                int hi = quantize(values[s + i] * inv);
                int lo = quantize(values[s + i + 1] * inv);
                packed[packedOff + (b * BLOCK + i) / 2] = (byte) (hi << 4 | lo);
            }
        }
    }

    /** Values {@code [2·byteIndex, 2·byteIndex + 1]} of a byte: {@code CODE[high nibble]}, {@code CODE[low nibble]}. */
    public static float high(byte b) {
        return CODE[(b >> 4) & 0xF];
    }

    public static float low(byte b) {
        return CODE[b & 0xF];
    }
}
