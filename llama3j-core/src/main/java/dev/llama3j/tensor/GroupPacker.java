package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rearranges ggml blocks (an fp16 scale then {@code dataBytes} bytes, per 32 values) from row-major
 * into the group layout of {@link PackedQ8Matrix} and {@link PackedQ4Matrix}: per group of
 * {@link Gemm#G} rows and per block, the rows' scales (in {@link Halves}' interleaved order), then
 * {@code dataBytes} columns of {@code G} bytes. The transposition goes 8 × 8 bytes at a time through
 * longs, so a whole model repacks at memory speed (the load-time budget of a 1B model is a second).
 */
final class GroupPacker {
    private static final int G = Gemm.G;

    private GroupPacker() {}

    /**
     * The repacked matrix, and whether every block scale of its rows is a normal half (the kernels
     * then widen them the short way: {@link Halves#widen(MemorySegment, long, float[], int, boolean)}).
     */
    record Packed(MemorySegment segment, boolean normalScales) {}

    /**
     * @param blockBytes bytes of one ggml block (34 for Q8_0, 18 for Q4_0)
     * @param interleaveData whether data columns use the interleaved row order too (Q4_0) or the
     *     natural one (Q8_0)
     */
    static Packed pack(MemorySegment data, int rows, int cols, int blockBytes, boolean interleaveData,
            Arena arena, WorkerPool pool) {
        int dataBytes = blockBytes - 2;
        int blocks = cols / 32;
        int groups = (rows + G - 1) / G;
        int groupBlockBytes = 2 * G + dataBytes * G;
        long groupBytes = (long) blocks * groupBlockBytes;
        long rowBytes = (long) blocks * blockBytes;
        MemorySegment packed = arena.allocate(groups * groupBytes, 64);
        AtomicBoolean abnormal = new AtomicBoolean(); // a scale of a real row that is not a normal half
        pool.parallelFor(groups, 1, (g0, g1) -> {
            boolean normal = true;
            byte[] in = new byte[(int) (G * rowBytes)];
            byte[] out = new byte[(int) groupBytes];
            int[] rowOffset = new int[G]; // offset in `in` of the row stored at each data position
            for (int p = 0; p < G; p++) {
                rowOffset[p] = (int) ((interleaveData ? rowAt(p) : p) * rowBytes);
            }
            for (int g = g0; g < g1; g++) {
                int count = Math.min(G, rows - g * G);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, g * G * rowBytes, in, 0, (int) (count * rowBytes));
                // Rows past the matrix's end: zero scales and "zero" data (Q4_0 nibble 8).
                byte fill = interleaveData ? (byte) 0x88 : 0;
                for (int r = count; r < G; r++) {
                    int o = (int) (r * rowBytes);
                    for (int b = 0; b < blocks; b++) {
                        in[o + b * blockBytes] = 0;
                        in[o + b * blockBytes + 1] = 0;
                        java.util.Arrays.fill(in, o + b * blockBytes + 2, o + (b + 1) * blockBytes, fill);
                    }
                }
                for (int b = 0; b < blocks; b++) {
                    int ob = b * groupBlockBytes;
                    for (int p = 0; p < G; p++) {
                        int src = (int) (rowAt(p) * rowBytes) + b * blockBytes;
                        out[ob + 2 * p] = in[src];
                        out[ob + 2 * p + 1] = in[src + 1];
                        if (normal && rowAt(p) < count) {
                            normal = Halves.isNormal(in, src);
                        }
                    }
                    int od = ob + 2 * G;
                    for (int p0 = 0; p0 < G; p0 += 8) {
                        for (int k0 = 0; k0 < dataBytes; k0 += 8) {
                            transpose8(in, rowOffset, p0, b * blockBytes + 2 + k0, out, od + k0 * G + p0, G);
                        }
                    }
                }
                MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
            }
            if (!normal) {
                abnormal.set(true);
            }
        });
        return new Packed(packed, !abnormal.get());
    }

    /** The row stored at interleaved position {@code p}: even positions the first half, odd the second. */
    static int rowAt(int p) {
        return (p & 1) == 0 ? p / 2 : Gemm.V + p / 2;
    }

    /**
     * Transposes an 8 × 8 byte tile: row {@code i} is the 8 bytes at {@code in[rowOffsets[first + i] + add]},
     * and column {@code j} of the tile is written as 8 bytes to {@code out[dst + j * stride]}. The bytes
     * stay in eight longs (registers) through three rounds of swaps: 4 × 4 blocks, then 2 × 2, then
     * single bytes.
     */
    static void transpose8(byte[] in, int[] rowOffsets, int first, int add, byte[] out, int dst, int stride) {
        long a0 = LittleEndian.longAt(in, rowOffsets[first] + add);
        long a1 = LittleEndian.longAt(in, rowOffsets[first + 1] + add);
        long a2 = LittleEndian.longAt(in, rowOffsets[first + 2] + add);
        long a3 = LittleEndian.longAt(in, rowOffsets[first + 3] + add);
        long a4 = LittleEndian.longAt(in, rowOffsets[first + 4] + add);
        long a5 = LittleEndian.longAt(in, rowOffsets[first + 5] + add);
        long a6 = LittleEndian.longAt(in, rowOffsets[first + 6] + add);
        long a7 = LittleEndian.longAt(in, rowOffsets[first + 7] + add);
        final long m32 = 0x00000000FFFFFFFFL;
        long t;
        t = a0; a0 = (t & m32) | (a4 << 32); a4 = (t >>> 32) | (a4 & ~m32);
        t = a1; a1 = (t & m32) | (a5 << 32); a5 = (t >>> 32) | (a5 & ~m32);
        t = a2; a2 = (t & m32) | (a6 << 32); a6 = (t >>> 32) | (a6 & ~m32);
        t = a3; a3 = (t & m32) | (a7 << 32); a7 = (t >>> 32) | (a7 & ~m32);
        final long m16 = 0x0000FFFF0000FFFFL;
        t = a0; a0 = (t & m16) | ((a2 & m16) << 16); a2 = ((t >>> 16) & m16) | (a2 & ~m16);
        t = a1; a1 = (t & m16) | ((a3 & m16) << 16); a3 = ((t >>> 16) & m16) | (a3 & ~m16);
        t = a4; a4 = (t & m16) | ((a6 & m16) << 16); a6 = ((t >>> 16) & m16) | (a6 & ~m16);
        t = a5; a5 = (t & m16) | ((a7 & m16) << 16); a7 = ((t >>> 16) & m16) | (a7 & ~m16);
        final long m8 = 0x00FF00FF00FF00FFL;
        t = a0; a0 = (t & m8) | ((a1 & m8) << 8); a1 = ((t >>> 8) & m8) | (a1 & ~m8);
        t = a2; a2 = (t & m8) | ((a3 & m8) << 8); a3 = ((t >>> 8) & m8) | (a3 & ~m8);
        t = a4; a4 = (t & m8) | ((a5 & m8) << 8); a5 = ((t >>> 8) & m8) | (a5 & ~m8);
        t = a6; a6 = (t & m8) | ((a7 & m8) << 8); a7 = ((t >>> 8) & m8) | (a7 & ~m8);
        LittleEndian.putLong(out, dst, a0);
        LittleEndian.putLong(out, dst + stride, a1);
        LittleEndian.putLong(out, dst + 2 * stride, a2);
        LittleEndian.putLong(out, dst + 3 * stride, a3);
        LittleEndian.putLong(out, dst + 4 * stride, a4);
        LittleEndian.putLong(out, dst + 5 * stride, a5);
        LittleEndian.putLong(out, dst + 6 * stride, a6);
        LittleEndian.putLong(out, dst + 7 * stride, a7);
    }
}
