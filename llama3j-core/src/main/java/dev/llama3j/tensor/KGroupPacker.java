package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rearranges ggml Q4_K / Q5_K super-blocks (fp16 {@code d}, fp16 {@code dmin}, 12 bytes of 6-bit
 * scales and mins, then {@code dataBytes} bytes of bits: Q5_K's 32 bytes {@code qh} and the 128 bytes
 * {@code qs}) from row-major into the group layout of {@link PackedQ4KMatrix} and
 * {@link PackedQ5KMatrix}: per group of {@link Gemm#G} rows and per super-block,
 * <pre>
 *   [0, dataBytes·G)   dataBytes columns of G bytes (interleaved): column k holds byte k of the
 *                      file's bits for each row, unchanged (or, for Q4_K, with its nibbles paired by
 *                      sub-block: {@link #pairNibbles})
 *   then the header, at {@link #headerAt}, offsets relative to it:
 *   [0, 2G)            the rows' fp16 d     (Halves' interleaved order)
 *   [2G, 4G)           the rows' fp16 dmin  (interleaved)
 *   [4G, 12G)          8 sub-block scales, [sub-block][row], one byte each (6 bits used)
 *   [12G, 20G)         8 sub-block mins, likewise
 * </pre>
 * The header follows the bits because the kernels read it after them: every byte is then read in
 * the order it is stored, which the hardware prefetcher needs (with the header first, read after
 * the bits, the generation kernels ran about 2.5 times slower once the weights left the caches).
 * The bit bytes move by 8 × 8 transpositions through longs as in {@link GroupPacker}.
 */
final class KGroupPacker {
    private static final int G = Gemm.G;
    static final int BLOCK = 256;
    static final int DMIN = 2 * G;
    static final int SCALES = 4 * G;
    static final int MINS = 12 * G;
    static final int DATA = 0;
    /** Bytes of the repacked header: d, dmin, scales and mins of G rows. */
    private static final int GROUP_HEADER = 20 * G;
    /** Bytes of a file super-block before its bits: d, dmin, 12 bytes of scales. */
    private static final int HEADER = 16;

    private KGroupPacker() {}

    /** Bytes of one group's super-block. */
    static int groupBlockBytes(int dataBytes) {
        return dataBytes * G + GROUP_HEADER;
    }

    /** Where the header starts in a group's super-block of {@code dataBytes} bytes of bits per row. */
    static int headerAt(int dataBytes) {
        return dataBytes * G;
    }

    /**
     * The repacked matrix, and whether every d and dmin of its real rows is a normal half (the
     * generation kernels then widen them the short way, as {@link GroupPacker} finds for Q4_0).
     */
    static GroupPacker.Packed pack(MemorySegment data, int rows, int cols, int blockBytes, boolean pairNibbles,
            Arena arena, WorkerPool pool) {
        int dataBytes = blockBytes - HEADER;
        int blocks = cols / BLOCK;
        int groups = (rows + G - 1) / G;
        int groupBlockBytes = groupBlockBytes(dataBytes);
        long groupBytes = (long) blocks * groupBlockBytes;
        long rowBytes = (long) blocks * blockBytes;
        MemorySegment packed = arena.allocate(groups * groupBytes, 64);
        AtomicBoolean abnormal = new AtomicBoolean(); // a d or dmin of a real row that is not a normal half
        pool.parallelFor(groups, 1, (g0, g1) -> {
            boolean normal = true;
            byte[] in = new byte[(int) (G * rowBytes)];
            byte[] out = new byte[(int) groupBytes];
            byte[] chunk = new byte[32 * G];
            int[] rowOffset = new int[G]; // offset in `in` of the row stored at each interleaved position
            for (int p = 0; p < G; p++) {
                rowOffset[p] = (int) (GroupPacker.rowAt(p) * rowBytes);
            }
            for (int g = g0; g < g1; g++) {
                int count = Math.min(G, rows - g * G);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, g * G * rowBytes, in, 0, (int) (count * rowBytes));
                // Rows past the matrix's end: d = dmin = 0, so every value is 0.
                java.util.Arrays.fill(in, (int) (count * rowBytes), in.length, (byte) 0);
                for (int b = 0; b < blocks; b++) {
                    int ob = b * groupBlockBytes;
                    int oh = ob + headerAt(dataBytes);
                    for (int r = 0; r < G; r++) {
                        int src = (int) (r * rowBytes) + b * blockBytes;
                        int pos = Halves.position(r);
                        out[oh + 2 * pos] = in[src];
                        out[oh + 2 * pos + 1] = in[src + 1];
                        out[oh + DMIN + 2 * pos] = in[src + 2];
                        out[oh + DMIN + 2 * pos + 1] = in[src + 3];
                        if (normal && r < count) {
                            normal = Halves.isNormal(in, src) && Halves.isNormal(in, src + 2); // d, dmin
                        }
                        for (int j = 0; j < 8; j++) {
                            out[oh + SCALES + j * G + r] = (byte) KQuantScales.scale(in, src + 4, j);
                            out[oh + MINS + j * G + r] = (byte) KQuantScales.min(in, src + 4, j);
                        }
                    }
                    for (int p0 = 0; p0 < G; p0 += 8) {
                        for (int k0 = 0; k0 < dataBytes; k0 += 8) {
                            GroupPacker.transpose8(in, rowOffset, p0, b * blockBytes + HEADER + k0, out,
                                    ob + DATA + k0 * G + p0, G);
                        }
                    }
                    if (pairNibbles) {
                        for (int c = 0; c < dataBytes / 32; c++) {
                            pairNibbles(out, ob + DATA + c * 32 * G, chunk);
                        }
                    }
                }
                MemorySegment.copy(out, 0, packed, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
            }
            if (!normal) {
                abnormal.set(true);
            }
        });
        return new GroupPacker.Packed(packed, !abnormal.get());
    }

    /**
     * Rewrites one chunk of 32 columns (32 bytes of Q4_K's qs a row, whose byte {@code p} holds value
     * {@code p} of the chunk's first sub-block in its low nibble and value {@code p} of its second in
     * its high one) so that each byte holds two values of one sub-block: column {@code 2p} the first
     * sub-block's values {@code p} (low nibble) and {@code p + 16} (high), column {@code 2p + 1} the
     * second's. A kernel then multiplies the whole byte by value {@code p}'s input and adds the high
     * nibble times a second factor ({@link MatmulInput#kqByte}), without masking the low nibble out.
     */
    static void pairNibbles(byte[] out, int at, byte[] chunk) {
        System.arraycopy(out, at, chunk, 0, 32 * G);
        for (int p = 0; p < 16; p++) {
            for (int i = 0; i < G; i++) {
                int a = chunk[p * G + i]; // values p of the first sub-block (low), of the second (high)
                int b = chunk[(p + 16) * G + i]; // values p + 16 likewise
                out[at + 2 * p * G + i] = (byte) ((a & 0x0f) | (b & 0x0f) << 4);
                out[at + (2 * p + 1) * G + i] = (byte) ((a & 0xf0) >>> 4 | (b & 0xf0));
            }
        }
    }
}
