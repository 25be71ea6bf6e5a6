package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The compact form of a {@link PackedQ6KMatrix} sub-block's 16 columns: 6 bits a weight instead of
 * a byte. Each half (8 columns) of a group's {@link Gemm#G} rows is three vectors of G 16-bit words,
 * one word a row (in {@link Halves}' interleaved order, as the byte form), holding the row's eight
 * centred values {@code v0..v7} (-32..31) as 6-bit two's complement {@code u = v & 63}:
 * <pre>
 *   w0 = u0 &lt;&lt; 10 | u1 &lt;&lt; 4 | u6 &amp; 15
 *   w1 = u2 &lt;&lt; 10 | u3 &lt;&lt; 4 | u7 &amp; 15
 *   w2 = u4 &lt;&lt; 10 | u5 &lt;&lt; 4 | (u6 &gt;&gt; 4) &lt;&lt; 2 | u7 &gt;&gt; 4
 * </pre>
 * so that a 16-bit lane gives back each value already sign-extended with one or two shifts
 * ({@code w0 >> 10}, {@code (w0 << 6) >> 10}) and the last two with two shifts and a bit blend: 15
 * vector operations for 8 columns, and no widening of bytes.
 * The generation kernel ({@code PackedQ6KMatrix.kernel1}) decodes in registers; the fp32 paths for
 * several inputs rearrange a sub-block into 8 words of two fields each with {@link #toPairs} and
 * decode each field into fp32 with the byte form's shifts (and one more for a middle field); the
 * integer steps of several sequences (AMD hosts) decode it back to bytes with {@link #toBytes}.
 */
final class Q6KColumns {
    private static final int G = Gemm.G;
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * The decoding's shift counts and low-nibble mask as vectors, for the generation kernel's shifts by
     * a vector of counts (one instruction with AVX-512).
     */
    static final ShortVector SIX = ShortVector.broadcast(S_G, (short) 6);
    static final ShortVector TEN = ShortVector.broadcast(S_G, (short) 10);
    static final ShortVector TWELVE = ShortVector.broadcast(S_G, (short) 12);
    static final ShortVector FOURTEEN = ShortVector.broadcast(S_G, (short) 14);
    static final ShortVector LOW4 = ShortVector.broadcast(S_G, (short) 15);

    private static final VectorSpecies<Integer> S_I = VectorSpecies.of(int.class, VectorShape.forBitSize(G * 16));
    /** {@link #toPairs}' masks, each the same in both 16-bit halves of a 32-bit lane. */
    private static final IntVector NIBBLE_AT_10 = IntVector.broadcast(S_I, 0x3C00_3C00);
    private static final IntVector NIBBLE_AT_4 = IntVector.broadcast(S_I, 0x00F0_00F0);
    private static final IntVector TOP_FIELD = IntVector.broadcast(S_I, 0xFC00_FC00);

    /** Sub-blocks in a super-block. */
    static final int SUB_BLOCKS = 16;
    /** Bytes of one sub-block's 16 columns in this form (two halves of three words a row). */
    static final int BYTES = 12 * G;

    private Q6KColumns() {}

    /**
     * Writes the 16 columns of centred values at {@code in[src + k*G + p]} (column k, position p: the
     * byte form) to {@code out[dst ..]} in this form.
     */
    static void encode(byte[] in, int src, byte[] out, int dst) {
        int[] u = new int[8];
        for (int h = 0; h < 2; h++) {
            for (int p = 0; p < G; p++) {
                for (int k = 0; k < 8; k++) {
                    u[k] = in[src + (8 * h + k) * G + p] & 63;
                }
                int w0 = u[0] << 10 | u[1] << 4 | u[6] & 15;
                int w1 = u[2] << 10 | u[3] << 4 | u[7] & 15;
                int w2 = u[4] << 10 | u[5] << 4 | (u[6] >> 4) << 2 | u[7] >> 4;
                int o = dst + h * 6 * G + 2 * p;
                putShort(out, o, w0);
                putShort(out, o + 2 * G, w1);
                putShort(out, o + 4 * G, w2);
            }
        }
    }

    private static void putShort(byte[] out, int o, int w) {
        out[o] = (byte) w;
        out[o + 1] = (byte) (w >> 8);
    }

    /** Value {@code k} (0..15) of position {@code p}, from the sub-block's columns at {@code off}. */
    static int value(MemorySegment d, long off, int p, int k) {
        long half = off + (k >> 3) * 6L * G + 2L * p;
        int w0 = d.get(LittleEndian.SHORT, half);
        int w1 = d.get(LittleEndian.SHORT, half + 2L * G);
        int w2 = d.get(LittleEndian.SHORT, half + 4L * G);
        return switch (k & 7) {
            case 0 -> w0 >> 10;
            case 1 -> (short) (w0 << 6) >> 10;
            case 2 -> w1 >> 10;
            case 3 -> (short) (w1 << 6) >> 10;
            case 4 -> w2 >> 10;
            case 5 -> (short) (w2 << 6) >> 10;
            case 6 -> ((short) (w2 << 12) >> 10) & ~15 | w0 & 15;
            default -> ((short) (w2 << 14) >> 10) & ~15 | w1 & 15;
        };
    }

    /**
     * A super-block's 16 sub-blocks, their columns at {@code off + j*stride} in {@code d}, as 8 pair
     * words of G 16-bit lanes each, to {@code out[(8j + q)*G ..]}: word q holds column 2q in its top
     * field (bits 10..15) and column 2q+1 in its middle field (bits 4..9), for the kernels of several
     * inputs, which read a field straight into 32-bit lanes (two rows a lane) with two or three
     * shifts. Words 0-2 and 4-6 are the halves' stored words; 3 and 7 are built from the halves' low
     * bits (columns 6 and 7, 14 and 15). A super-block at a time, so that those kernels' accumulators
     * are saved around one call a super-block (C2 does not inline this) rather than one a sub-block.
     * Shifts of 32-bit lanes, which C2 emits with an immediate count (those of 16-bit lanes need the
     * count in a register); what one row's half shifts into the other's is masked off.
     */
    static void toPairs(MemorySegment d, long off, int stride, short[] out) {
        for (int h = 0; h < 2 * SUB_BLOCKS; h++) {
            long half = off + (h >> 1) * (long) stride + (h & 1) * 6L * G;
            IntVector w0 = IntVector.fromMemorySegment(S_I, d, half, LE);
            IntVector w1 = IntVector.fromMemorySegment(S_I, d, half + 2L * G, LE);
            IntVector w2 = IntVector.fromMemorySegment(S_I, d, half + 4L * G, LE);
            int o = 4 * h * G;
            w0.reinterpretAsShorts().intoArray(out, o);
            w1.reinterpretAsShorts().intoArray(out, o + G);
            w2.reinterpretAsShorts().intoArray(out, o + 2 * G);
            // Column 6: its high bits (w2's bits 2-3) above its low nibble (w0's bits 0-3), in the top
            // field; column 7: w2's bits 0-1 above w1's low nibble, in the middle field.
            IntVector top = w2.lanewise(VectorOperators.LSHL, 12)
                    .lanewise(VectorOperators.BITWISE_BLEND, w0.lanewise(VectorOperators.LSHL, 10), NIBBLE_AT_10);
            IntVector middle = w2.lanewise(VectorOperators.LSHL, 8)
                    .lanewise(VectorOperators.BITWISE_BLEND, w1.lanewise(VectorOperators.LSHL, 4), NIBBLE_AT_4);
            middle.lanewise(VectorOperators.BITWISE_BLEND, top, TOP_FIELD).reinterpretAsShorts().intoArray(out, o + 3 * G);
        }
    }

    /**
     * Decodes a sub-block's words at {@code d[off]} back to the byte form: its 16 columns of G signed
     * bytes to {@code dst[dstOff + k·G]}. For the steps of several sequences, which then multiply
     * the decoded columns by every input from the caches ({@code PackedQ6KMatrix.compactSteps}).
     */
    static void toBytes(MemorySegment d, long off, MemorySegment dst, long dstOff) {
        for (int h = 0; h < 2; h++) {
            long half = off + h * 6L * G;
            long o = dstOff + h * 8L * G;
            ShortVector w0 = ShortVector.fromMemorySegment(S_G, d, half, LE);
            ShortVector w1 = ShortVector.fromMemorySegment(S_G, d, half + 2L * G, LE);
            ShortVector w2 = ShortVector.fromMemorySegment(S_G, d, half + 4L * G, LE);
            w0.lanewise(VectorOperators.ASHR, 10).convertShape(VectorOperators.S2B, B_G, 0)
                    .reinterpretAsBytes().intoMemorySegment(dst, o, LE);
            w0.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                    .convertShape(VectorOperators.S2B, B_G, 0).reinterpretAsBytes().intoMemorySegment(dst, o + G, LE);
            w1.lanewise(VectorOperators.ASHR, 10).convertShape(VectorOperators.S2B, B_G, 0)
                    .reinterpretAsBytes().intoMemorySegment(dst, o + 2L * G, LE);
            w1.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                    .convertShape(VectorOperators.S2B, B_G, 0).reinterpretAsBytes().intoMemorySegment(dst, o + 3L * G, LE);
            w2.lanewise(VectorOperators.ASHR, 10).convertShape(VectorOperators.S2B, B_G, 0)
                    .reinterpretAsBytes().intoMemorySegment(dst, o + 4L * G, LE);
            w2.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10)
                    .convertShape(VectorOperators.S2B, B_G, 0).reinterpretAsBytes().intoMemorySegment(dst, o + 5L * G, LE);
            w2.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                    .lanewise(VectorOperators.BITWISE_BLEND, w0, LOW4)
                    .convertShape(VectorOperators.S2B, B_G, 0).reinterpretAsBytes().intoMemorySegment(dst, o + 6L * G, LE);
            w2.lanewise(VectorOperators.LSHL, 14).lanewise(VectorOperators.ASHR, 10)
                    .lanewise(VectorOperators.BITWISE_BLEND, w1, LOW4)
                    .convertShape(VectorOperators.S2B, B_G, 0).reinterpretAsBytes().intoMemorySegment(dst, o + 7L * G, LE);
        }
    }
}
