package dev.llama3j.datagen.parquet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Parquet's delta encodings for strings (Encodings.md), which parquet-mr's v2 writer uses when a
 * column has no dictionary: DELTA_BINARY_PACKED integers (a header with the block size, miniblocks
 * per block, value count and first value; then per block a minimum delta, one bit width per
 * miniblock and the miniblocks bit-packed), DELTA_LENGTH_BYTE_ARRAY (the lengths so, then the bytes
 * back to back) and DELTA_BYTE_ARRAY (prefix lengths shared with the previous value, then the
 * suffixes as DELTA_LENGTH_BYTE_ARRAY).
 */
final class DeltaDecoder {
    private DeltaDecoder() {
    }

    /** DELTA_BINARY_PACKED from {@code in}'s position; leaves it just after the last miniblock used. */
    static long[] binaryPacked(ByteBuffer in) {
        int blockSize = Math.toIntExact(ThriftCompactReader.varint(in));
        int miniblocks = Math.toIntExact(ThriftCompactReader.varint(in));
        int count = Math.toIntExact(ThriftCompactReader.varint(in));
        long value = ThriftCompactReader.zigzag(ThriftCompactReader.varint(in));
        if (miniblocks <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0) {
            throw new IllegalStateException("DELTA_BINARY_PACKED block of " + blockSize + " values in " + miniblocks
                    + " miniblocks");
        }
        int perMiniblock = blockSize / miniblocks;
        long[] out = new long[count];
        if (count == 0) {
            return out;
        }
        out[0] = value;
        int n = 1;
        byte[] widths = new byte[miniblocks];
        while (n < count) {
            long minDelta = ThriftCompactReader.zigzag(ThriftCompactReader.varint(in));
            in.get(widths);
            for (int m = 0; m < miniblocks && n < count; m++) {
                int width = widths[m] & 0xff;
                if (width > 64) {
                    throw new IllegalStateException("DELTA_BINARY_PACKED bit width " + width);
                }
                // a miniblock is always whole (padded), width * perMiniblock / 8 bytes
                int start = in.position();
                long bits = 0;
                int have = 0;
                int at = start;
                for (int i = 0; i < perMiniblock; i++) {
                    long delta = 0;
                    for (int got = 0; got < width; ) {
                        if (have == 0) {
                            bits = in.get(at++) & 0xff;
                            have = 8;
                        }
                        int take = Math.min(width - got, have);
                        delta |= (bits & ((1L << take) - 1)) << got;
                        bits >>>= take;
                        have -= take;
                        got += take;
                    }
                    if (n < count) {
                        value += minDelta + delta;
                        out[n++] = value;
                    }
                }
                in.position(start + width * perMiniblock / 8);
            }
        }
        return out;
    }

    /** DELTA_LENGTH_BYTE_ARRAY: {@code count} strings. */
    static String[] lengthByteArray(ByteBuffer in, int count) {
        long[] lengths = binaryPacked(in);
        if (lengths.length != count) {
            throw new IllegalStateException("DELTA_LENGTH_BYTE_ARRAY holds " + lengths.length + " lengths for "
                    + count + " values");
        }
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[Math.toIntExact(lengths[i])];
            in.get(b);
            out[i] = new String(b, StandardCharsets.UTF_8);
        }
        return out;
    }

    /** DELTA_BYTE_ARRAY: {@code count} strings, each a prefix of the previous one's bytes plus a suffix. */
    static String[] byteArray(ByteBuffer in, int count) {
        long[] prefixes = binaryPacked(in);
        long[] lengths = binaryPacked(in);
        if (prefixes.length != count || lengths.length != count) {
            throw new IllegalStateException("DELTA_BYTE_ARRAY holds " + prefixes.length + " prefixes and "
                    + lengths.length + " suffixes for " + count + " values");
        }
        String[] out = new String[count];
        byte[] previous = new byte[0];
        for (int i = 0; i < count; i++) {
            int prefix = Math.toIntExact(prefixes[i]);
            if (prefix > previous.length) {
                throw new IllegalStateException("DELTA_BYTE_ARRAY prefix of " + prefix + " bytes after a value of "
                        + previous.length);
            }
            byte[] value = new byte[prefix + Math.toIntExact(lengths[i])];
            System.arraycopy(previous, 0, value, 0, prefix);
            in.get(value, prefix, value.length - prefix);
            out[i] = new String(value, StandardCharsets.UTF_8);
            previous = value;
        }
        return out;
    }
}
