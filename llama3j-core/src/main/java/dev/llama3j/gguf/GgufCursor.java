package dev.llama3j.gguf;

import dev.llama3j.error.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the little-endian header of a GGUF file from its mapped bytes. Every read first checks that the
 * bytes are there, so a truncated or corrupt file fails with a message naming what was being read
 * rather than with an {@link IndexOutOfBoundsException}.
 */
final class GgufCursor {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment seg;
    private final String source;
    private long pos;

    GgufCursor(MemorySegment seg, String source) {
        this.seg = seg;
        this.source = source;
    }

    long pos() {
        return pos;
    }

    long size() {
        return seg.byteSize();
    }

    long remaining() {
        return seg.byteSize() - pos;
    }

    MemorySegment segment() {
        return seg;
    }

    /** Fails unless {@code n} more bytes are there for {@code what}. */
    void need(long n, String what) {
        if (n > remaining()) {
            throw new ModelFormatException(source + ": truncated: " + what + " needs " + n + " bytes at byte " + pos
                    + " but the file has " + seg.byteSize() + " bytes");
        }
    }

    byte u8(String what) {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short u16(String what) {
        need(2, what);
        short v = seg.get(SHORT, pos);
        pos += 2;
        return v;
    }

    int u32(String what) {
        need(4, what);
        int v = seg.get(INT, pos);
        pos += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = seg.get(LONG, pos);
        pos += 8;
        return v;
    }

    /** A count or size written as uint64; fails when it cannot be one (above 2^63). */
    long count(String what) {
        long at = pos;
        long v = u64(what);
        if (v < 0) {
            throw new ModelFormatException(source + ": corrupt: " + what + " at byte " + at + " is "
                    + Long.toUnsignedString(v) + ", an impossible size");
        }
        return v;
    }

    /** A GGUF string: uint64 byte length, then UTF-8. */
    String string(String what) {
        return readString(what, null, 0);
    }

    /** Element {@code index} of the string array of metadata key {@code key}. */
    String stringElement(String key, int index) {
        return readString(null, key, index);
    }

    // The description is built only on failure: token lists hold hundreds of thousands of strings.
    private String readString(String what, String key, int index) {
        long at = pos;
        if (remaining() < 8) {
            need(8, "length of " + describe(what, key, index));
        }
        long len = seg.get(LONG, pos);
        if (len < 0 || len > remaining() - 8) {
            throw new ModelFormatException(source + ": truncated: " + describe(what, key, index) + " at byte " + at
                    + " claims " + Long.toUnsignedString(len) + " bytes but only " + (remaining() - 8)
                    + " remain in the file");
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(source + ": " + describe(what, key, index) + " at byte " + at + " claims "
                    + len + " bytes, too long for a string");
        }
        pos += 8;
        byte[] b = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String describe(String what, String key, int index) {
        return what != null ? what : "element " + index + " of metadata key '" + key + "'";
    }

    /** Copies {@code n} elements of {@code layout} into {@code dst} (a primitive array). */
    void array(ValueLayout layout, Object dst, int n, String what) {
        need(n * layout.byteSize(), what);
        switch (dst) {
            case byte[] a -> MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, a, 0, n);
            case short[] a -> MemorySegment.copy(seg, SHORT, pos, a, 0, n);
            case int[] a -> MemorySegment.copy(seg, INT, pos, a, 0, n);
            case long[] a -> MemorySegment.copy(seg, LONG, pos, a, 0, n);
            case float[] a -> MemorySegment.copy(seg, FLOAT, pos, a, 0, n);
            case double[] a -> MemorySegment.copy(seg, DOUBLE, pos, a, 0, n);
            default -> throw new AssertionError(dst.getClass());
        }
        pos += n * layout.byteSize();
    }

    void seek(long p) {
        pos = p;
    }
}
