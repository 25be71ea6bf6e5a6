package dev.llama3j.datagen.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The delta encodings on Encodings.md's worked examples and a hand-built DELTA_BYTE_ARRAY page. */
class DeltaDecoderTest {
    private static ByteBuffer bytes(int... b) {
        byte[] a = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            a[i] = (byte) b[i];
        }
        return ByteBuffer.wrap(a);
    }

    @Test
    void encodingsMdExamples() {
        // 1..5: header (block 8, 1 miniblock, 5 values, first 1 zigzag 2), min delta 1 (zigzag 2), width 0
        ByteBuffer one = bytes(8, 1, 5, 2, 2, 0);
        assertArrayEquals(new long[] {1, 2, 3, 4, 5}, DeltaDecoder.binaryPacked(one));
        assertEquals(6, one.position());
        // 7,5,3,1,2,3,4,5: min delta -2 (zigzag 3), relative deltas 0,0,0,3,3,3,3 (+pad) in 2 bits each
        ByteBuffer two = bytes(8, 1, 8, 14, 3, 2, 0xc0, 0x3f, 0x55);
        assertArrayEquals(new long[] {7, 5, 3, 1, 2, 3, 4, 5}, DeltaDecoder.binaryPacked(two));
        assertEquals(8, two.position(), "stops after the last miniblock");
    }

    @Test
    void deltaByteArraySharesPrefixes() {
        // "ab", "abc": prefix lengths 0, 2; suffix lengths 2, 1; suffixes "ab" "c"
        ByteBuffer page = bytes(8, 1, 2, 0, 4, 0, 8, 1, 2, 4, 1, 0, 'a', 'b', 'c');
        assertArrayEquals(new String[] {"ab", "abc"}, DeltaDecoder.byteArray(page, 2));
        ByteBuffer lengths = bytes(8, 1, 2, 4, 1, 0, 'a', 'b', 'c');
        assertArrayEquals(new String[] {"ab", "c"}, DeltaDecoder.lengthByteArray(lengths, 2));
    }
}
