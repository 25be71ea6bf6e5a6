package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void parsesSizes() {
        assertEquals(80L << 30, ByteSize.parse("80GiB", "m"));
        assertEquals(80L << 30, ByteSize.parse(" 80 gib ", "m"));
        assertEquals(24_000_000_000L, ByteSize.parse("24GB", "m"));
        assertEquals(1_500_000_000_000L, ByteSize.parse("1.5TB", "m"));
        assertEquals(512L << 20, ByteSize.parse("512MiB", "m"));
        assertEquals(12345, ByteSize.parse("12345", "m"));
        assertEquals(8 * (80L << 30), ByteSize.parse("8x80GiB", "m"));
        for (String bad : new String[] {"80G", "80 M", "-3GB", "0GB", "abc", "", "GiB", "1e3GB", "0x80GiB"}) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ByteSize.parse(bad, "--mem"));
            assertTrue(e.getMessage().startsWith("--mem: "), e.getMessage());
        }
    }

    @Test
    void formatsSizes() {
        assertEquals("16.06", ByteSize.number(16.0605));
        assertEquals("0.125", ByteSize.number(0.125));
        assertEquals("0.313", ByteSize.number(0.3125));
        assertEquals("0.100", ByteSize.number(0.1));
        assertEquals("0.00845", ByteSize.number(0.008454));
        assertEquals("15.625", ByteSize.number(15.625, 3));
        assertEquals("16.06 GB (14.96 GiB)", ByteSize.format(16_060_522_496L));
        assertEquals("128 KiB", ByteSize.formatBinary(131072));
        assertEquals("1.5 MiB", ByteSize.formatBinary(3 << 19));
    }

    @Test
    void parsesTokenCounts() {
        assertEquals(1024, TokenCount.parse("1024", 131072, "c"));
        assertEquals(16000, TokenCount.parse("16k", 131072, "c"));
        assertEquals(16000, TokenCount.parse("16K", 131072, "c"));
        assertEquals(16384, TokenCount.parse("16Ki", 131072, "c"));
        assertEquals(128000, TokenCount.parse("128k", 131072, "c"));
        assertEquals(131072, TokenCount.parse("128Ki", 131072, "c"));
        assertEquals(131072, TokenCount.parse("max", 131072, "c"));
        assertEquals(1500, TokenCount.parse("1.5k", 131072, "c"));
        assertEquals(1_000_000, TokenCount.parse("1M", 131072, "c"));
        for (String bad : new String[] {"-5", "0", "1.5", "16kb", "abc", "99999999999", "0.0001k"}) {
            assertThrows(InvalidRequestException.class, () -> TokenCount.parse(bad, 131072, "--context"), bad);
        }
        assertEquals("128,000", TokenCount.format(128000));
    }
}
