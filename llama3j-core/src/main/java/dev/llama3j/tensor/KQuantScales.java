package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The 12 bytes of 6-bit scales and mins shared by Q4_K and Q5_K (ggml's {@code get_scale_min_k4}). A
 * super-block has 8 sub-blocks of 32 values, each with a 6-bit scale and a 6-bit min:
 * <ul>
 *   <li>sub-blocks 0..3: scale = {@code q[j] & 63}, min = {@code q[j+4] & 63};</li>
 *   <li>sub-blocks 4..7: the low 4 bits come from {@code q[j+4]} (scale: low nibble, min: high nibble)
 *       and the top 2 bits from the spare top bits of {@code q[j-4]} (scale) and {@code q[j]} (min).</li>
 * </ul>
 */
final class KQuantScales {
    private KQuantScales() {}

    static final int BYTES = 12;

    /** The 6-bit scale of sub-block {@code j} (0..7) of the scales at {@code off}. */
    static int scale(MemorySegment s, long off, int j) {
        if (j < 4) {
            return u8(s, off + j) & 63;
        }
        return (u8(s, off + j + 4) & 0x0F) | ((u8(s, off + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j} (0..7) of the scales at {@code off}. */
    static int min(MemorySegment s, long off, int j) {
        if (j < 4) {
            return u8(s, off + j + 4) & 63;
        }
        return (u8(s, off + j + 4) >>> 4) | ((u8(s, off + j) >>> 6) << 4);
    }

    /** {@link #scale(MemorySegment, long, int)} from a byte array (repacking). */
    static int scale(byte[] s, int off, int j) {
        if (j < 4) {
            return s[off + j] & 63;
        }
        return (s[off + j + 4] & 0x0F) | ((s[off + j - 4] & 0xFF) >>> 6) << 4;
    }

    /** {@link #min(MemorySegment, long, int)} from a byte array (repacking). */
    static int min(byte[] s, int off, int j) {
        if (j < 4) {
            return s[off + j + 4] & 63;
        }
        return (s[off + j + 4] & 0xFF) >>> 4 | ((s[off + j] & 0xFF) >>> 6) << 4;
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(LittleEndian.BYTE, off) & 0xFF;
    }
}
