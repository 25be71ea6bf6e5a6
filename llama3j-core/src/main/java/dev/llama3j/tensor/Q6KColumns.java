package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
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
 * The generation kernel ({@code PackedQ6KMatrix.kernel1}) decodes in registers; the paths for
 * several inputs decode a sub-block to 16-bit lanes with {@link #toShorts} and read those.
 */
final class Q6KColumns {
    private static final int G = Gemm.G;
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * The decoding's shift counts and low-nibble mask as vectors, for the generation kernel's shifts by
     * a vector of counts (one instruction with AVX-512; {@link #toShorts} shifts by constants).
     */
    static final ShortVector SIX = ShortVector.broadcast(S_G, (short) 6);
    static final ShortVector TEN = ShortVector.broadcast(S_G, (short) 10);
    static final ShortVector TWELVE = ShortVector.broadcast(S_G, (short) 12);
    static final ShortVector FOURTEEN = ShortVector.broadcast(S_G, (short) 14);
    static final ShortVector LOW4 = ShortVector.broadcast(S_G, (short) 15);

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
     * Decodes the sub-block's columns at {@code off} in {@code d} to 16-bit lanes, column k at
     * {@code out[k*G ..]}: what the byte form's columns widen to, for the kernels of several inputs,
     * which then load them without widening.
     */
    static void toShorts(MemorySegment d, long off, short[] out) {
        for (int h = 0; h < 2; h++) {
            long half = off + h * 6L * G;
            ShortVector w0 = ShortVector.fromMemorySegment(S_G, d, half, LE);
            ShortVector w1 = ShortVector.fromMemorySegment(S_G, d, half + 2L * G, LE);
            ShortVector w2 = ShortVector.fromMemorySegment(S_G, d, half + 4L * G, LE);
            int o = 8 * h * G;
            w0.lanewise(VectorOperators.ASHR, 10).intoArray(out, o);
            w0.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10).intoArray(out, o + G);
            w1.lanewise(VectorOperators.ASHR, 10).intoArray(out, o + 2 * G);
            w1.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10).intoArray(out, o + 3 * G);
            w2.lanewise(VectorOperators.ASHR, 10).intoArray(out, o + 4 * G);
            w2.lanewise(VectorOperators.LSHL, 6).lanewise(VectorOperators.ASHR, 10).intoArray(out, o + 5 * G);
            w2.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 10)
                    .lanewise(VectorOperators.BITWISE_BLEND, w0, LOW4).intoArray(out, o + 6 * G);
            w2.lanewise(VectorOperators.LSHL, 14).lanewise(VectorOperators.ASHR, 10)
                    .lanewise(VectorOperators.BITWISE_BLEND, w1, LOW4).intoArray(out, o + 7 * G);
        }
    }
}
