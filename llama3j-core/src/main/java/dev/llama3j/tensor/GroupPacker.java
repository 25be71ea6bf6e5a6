package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Rearranges ggml blocks (an fp16 scale then {@code dataBytes} bytes, per 32 values) from row-major
 * into the group layout of {@link PackedQ8Matrix} and {@link PackedQ4Matrix}: per group of
 * {@link Gemm#G} rows and per block, the rows' scales (in {@link Halves}' interleaved order), then
 * {@code dataBytes} columns of {@code G} bytes. The transposition goes 8 × 8 bytes at a time through
 * longs, so a whole model repacks at memory speed (the load-time budget of a 1B model is a second).
 */
final class GroupPacker {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int G = Gemm.G;

    private GroupPacker() {}

    /**
     * @param blockBytes bytes of one ggml block (34 for Q8_0, 18 for Q4_0)
     * @param interleaveData whether data columns use the interleaved row order too (Q4_0) or the
     *     natural one (Q8_0)
     */
    static MemorySegment pack(MemorySegment data, int rows, int cols, int blockBytes, boolean interleaveData,
            Arena arena, WorkerPool pool) {
        int dataBytes = blockBytes - 2;
        int blocks = cols / 32;
        int groups = (rows + G - 1) / G;
        int groupBlockBytes = 2 * G + dataBytes * G;
        long groupBytes = (long) blocks * groupBlockBytes;
        long rowBytes = (long) blocks * blockBytes;
        MemorySegment packed = arena.allocate(groups * groupBytes, 64);
        pool.parallelFor(groups, 1, (g0, g1) -> {
            byte[] in = new byte[(int) (G * rowBytes)];
            byte[] out = new byte[(int) groupBytes];
            long[] tile = new long[8];
            int[] dataRow = new int[G]; // source row (within the group) of each data position
            for (int p = 0; p < G; p++) {
                dataRow[p] = interleaveData ? rowAt(p) : p;
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
                    }
                    int od = ob + 2 * G;
                    for (int p0 = 0; p0 < G; p0 += 8) {
                        for (int k0 = 0; k0 < dataBytes; k0 += 8) {
                            for (int i = 0; i < 8; i++) {
                                tile[i] = (long) LONG.get(in, (int) (dataRow[p0 + i] * rowBytes) + b * blockBytes + 2 + k0);
                            }
                            transpose8(tile);
                            for (int i = 0; i < 8; i++) {
                                LONG.set(out, od + (k0 + i) * G + p0, tile[i]);
                            }
                        }
                    }
                }
                MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
            }
        });
        return packed;
    }

    /** The row stored at interleaved position {@code p}: even positions the first half, odd the second. */
    static int rowAt(int p) {
        return (p & 1) == 0 ? p / 2 : Gemm.V + p / 2;
    }

    /**
     * Transposes an 8 × 8 byte matrix held as 8 little-endian longs (long {@code i} = row {@code i},
     * byte {@code j} = column {@code j}): swap 4 × 4 blocks, then 2 × 2, then single bytes.
     */
    static void transpose8(long[] a) {
        for (int i = 0; i < 4; i++) {
            long lo = a[i];
            long hi = a[i + 4];
            a[i] = (lo & 0x00000000FFFFFFFFL) | (hi << 32);
            a[i + 4] = (lo >>> 32) | (hi & 0xFFFFFFFF00000000L);
        }
        for (int i = 0; i < 8; i += (i == 1 ? 3 : 1)) { // rows 0, 1, 4, 5 with their partners 2, 3, 6, 7
            long lo = a[i];
            long hi = a[i + 2];
            a[i] = (lo & 0x0000FFFF0000FFFFL) | ((hi & 0x0000FFFF0000FFFFL) << 16);
            a[i + 2] = ((lo >>> 16) & 0x0000FFFF0000FFFFL) | (hi & 0xFFFF0000FFFF0000L);
            if (i == 5) {
                break;
            }
        }
        for (int i = 0; i < 8; i += 2) {
            long lo = a[i];
            long hi = a[i + 1];
            a[i] = (lo & 0x00FF00FF00FF00FFL) | ((hi & 0x00FF00FF00FF00FFL) << 8);
            a[i + 1] = ((lo >>> 8) & 0x00FF00FF00FF00FFL) | (hi & 0xFF00FF00FF00FF00L);
        }
    }
}
