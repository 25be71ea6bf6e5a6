package dev.llama3j.datagen.parquet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Parquet's RLE / bit-packing hybrid, used for definition levels and dictionary indices: runs, each
 * a varint header whose low bit says a repeated value (count = header >>> 1, the value in
 * ceil(width / 8) little-endian bytes) or bit-packed groups of 8 values (header >>> 1 groups, packed
 * from the least significant bit).
 */
final class RleHybrid {
    private RleHybrid() {
    }

    /** Decodes {@code count} values of {@code width} bits from {@code in}'s position to its limit. */
    static int[] decode(ByteBuffer in, int width, int count) {
        if (width > 32) {
            throw new IllegalStateException("RLE/bit-packed bit width " + width + " is over 32");
        }
        int[] out = new int[count];
        int n = 0;
        int valueBytes = (width + 7) / 8;
        while (n < count) {
            if (!in.hasRemaining()) {
                throw new IllegalStateException("RLE/bit-packed data ends after " + n + " of " + count + " values");
            }
            long header = ThriftCompactReader.varint(in);
            if ((header & 1) == 0) {
                int run = Math.toIntExact(header >>> 1);
                int v = 0;
                for (int i = 0; i < valueBytes; i++) {
                    v |= (in.get() & 0xff) << (8 * i);
                }
                for (int i = 0; i < run && n < count; i++) {
                    out[n++] = v;
                }
            } else {
                int values = Math.toIntExact((header >>> 1) * 8);
                long bits = 0;
                int have = 0;
                int mask = width == 32 ? -1 : (1 << width) - 1;
                for (int i = 0; i < values; i++) {
                    while (have < width) {
                        bits |= (long) (in.get() & 0xff) << have;
                        have += 8;
                    }
                    if (n < count) {
                        out[n++] = (int) bits & mask;
                    }
                    bits >>>= width;
                    have -= width;
                }
            }
        }
        return out;
    }

    /** Encodes levels as plain RLE runs (valid hybrid data; levels repeat a lot, so runs are short). */
    static byte[] encode(int[] values, int count, int width) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int valueBytes = (width + 7) / 8;
        for (int i = 0; i < count; ) {
            int j = i;
            while (j < count && values[j] == values[i]) {
                j++;
            }
            long header = (long) (j - i) << 1;
            while (header >= 0x80) {
                out.write((int) (header & 0x7f) | 0x80);
                header >>>= 7;
            }
            out.write((int) header);
            for (int b = 0; b < valueBytes; b++) {
                out.write(values[i] >>> (8 * b));
            }
            i = j;
        }
        return out.toByteArray();
    }

    /** The bits a level up to {@code max} needs. */
    static int width(int max) {
        return 32 - Integer.numberOfLeadingZeros(max);
    }
}
