package dev.llama3j.datagen.parquet;

/**
 * Snappy's raw block format (what Parquet's SNAPPY codec stores in a page, without the framing
 * format): a varint with the uncompressed length, then elements whose tag byte's low two bits say
 * literal (length in the tag or in 1-4 following bytes) or copy (length and a 1, 2 or 4 byte offset
 * back into the output; a copy may overlap what it writes, which repeats a short run).
 */
public final class SnappyDecompressor {
    private SnappyDecompressor() {
    }

    /** @throws IllegalArgumentException when the input is not a well-formed Snappy block */
    public static byte[] decompress(byte[] in, int offset, int length) {
        int end = offset + length;
        int p = offset;
        long size = 0;
        for (int shift = 0; ; shift += 7) {
            if (p >= end || shift > 28) {
                throw new IllegalArgumentException("snappy: bad length preamble");
            }
            int b = in[p++] & 0xff;
            size |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                break;
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("snappy: uncompressed length " + size + " too large");
        }
        byte[] out = new byte[(int) size];
        int o = 0;
        while (p < end) {
            int tag = in[p++] & 0xff;
            int kind = tag & 3;
            if (kind == 0) {
                int len = tag >>> 2;
                if (len >= 60) {
                    int bytes = len - 59;
                    if (p + bytes > end) {
                        throw new IllegalArgumentException("snappy: truncated literal length");
                    }
                    len = 0;
                    for (int i = 0; i < bytes; i++) {
                        len |= (in[p++] & 0xff) << (8 * i);
                    }
                }
                len++;
                if (len <= 0 || p + len > end || o + len > out.length) {
                    throw new IllegalArgumentException("snappy: literal of " + len + " bytes overruns the block");
                }
                System.arraycopy(in, p, out, o, len);
                p += len;
                o += len;
                continue;
            }
            int len;
            int distance;
            if (kind == 1) {
                if (p >= end) {
                    throw new IllegalArgumentException("snappy: truncated copy");
                }
                len = 4 + ((tag >>> 2) & 7);
                distance = ((tag >>> 5) << 8) | (in[p++] & 0xff);
            } else {
                int bytes = kind == 2 ? 2 : 4;
                if (p + bytes > end) {
                    throw new IllegalArgumentException("snappy: truncated copy");
                }
                len = 1 + (tag >>> 2);
                distance = 0;
                for (int i = 0; i < bytes; i++) {
                    distance |= (in[p++] & 0xff) << (8 * i);
                }
            }
            if (distance <= 0 || distance > o || o + len > out.length) {
                throw new IllegalArgumentException("snappy: copy of " + len + " bytes from " + distance
                        + " back at output byte " + o + " is outside the block");
            }
            for (int i = 0; i < len; i++, o++) {
                out[o] = out[o - distance];
            }
        }
        if (o != out.length) {
            throw new IllegalArgumentException("snappy: block gave " + o + " bytes, its preamble says " + out.length);
        }
        return out;
    }
}
