package dev.llama3j.datagen.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Snappy blocks built by hand from the format description, one element kind each, and broken ones. */
class SnappyDecompressorTest {

    private static String decompress(int... bytes) {
        byte[] in = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            in[i] = (byte) bytes[i];
        }
        return new String(SnappyDecompressor.decompress(in, 0, in.length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void literalThenOverlappingOneByteOffsetCopy() {
        // length 12; literal "abcd" (tag (4-1)<<2); copy 8 bytes from 4 back (tag 01 | (8-4)<<2, offset 4)
        assertEquals("abcdabcdabcd", decompress(12, 0x0c, 'a', 'b', 'c', 'd', 0x11, 0x04));
    }

    @Test
    void twoAndFourByteOffsetCopies() {
        // literal "a", copy 4 from 1 back with a 2-byte offset (tag 10 | (4-1)<<2)
        assertEquals("aaaaa", decompress(5, 0x00, 'a', 0x0e, 0x01, 0x00));
        // literal "xy", copy 3 from 2 back with a 4-byte offset (tag 11 | (3-1)<<2)
        assertEquals("xyxyx", decompress(5, 0x04, 'x', 'y', 0x0b, 0x02, 0x00, 0x00, 0x00));
    }

    @Test
    void literalWithItsLengthInAFollowingByte() {
        byte[] in = new byte[3 + 100];
        in[0] = 100; // uncompressed length
        in[1] = (byte) (60 << 2); // literal, length-1 in the next byte
        in[2] = 99;
        for (int i = 0; i < 100; i++) {
            in[3 + i] = (byte) ('0' + i % 10);
        }
        byte[] out = SnappyDecompressor.decompress(in, 0, in.length);
        byte[] expected = new byte[100];
        System.arraycopy(in, 3, expected, 0, 100);
        assertArrayEquals(expected, out);
    }

    @Test
    void emptyBlock() {
        assertEquals("", decompress(0));
    }

    @Test
    void malformedBlocksAreRejected() {
        IllegalArgumentException back = assertThrows(IllegalArgumentException.class,
                () -> decompress(8, 0x00, 'a', 0x11, 0x04));
        assertEquals("snappy: copy of 8 bytes from 4 back at output byte 1 is outside the block", back.getMessage());
        IllegalArgumentException shortBlock = assertThrows(IllegalArgumentException.class,
                () -> decompress(6, 0x0c, 'a', 'b', 'c', 'd'));
        assertEquals("snappy: block gave 4 bytes, its preamble says 6", shortBlock.getMessage());
        assertThrows(IllegalArgumentException.class, () -> decompress(4, 0x0c, 'a', 'b'));
        assertThrows(IllegalArgumentException.class, () -> decompress(0x80));
    }
}
