package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The host-dependent choice of one or two read streams, and its override. */
class ReadStreamsTest {
    @Test
    void oneStreamOnAmdTwoElsewhere() {
        assertEquals(1, ReadStreams.choose(null, true));
        assertEquals(2, ReadStreams.choose(null, false));
    }

    @Test
    void thePropertyForcesEither() {
        assertEquals(2, ReadStreams.choose("2", true));
        assertEquals(1, ReadStreams.choose("1", false));
    }

    @Test
    void anInvalidValueIsIgnored() {
        assertEquals(1, ReadStreams.choose("3", true));
        assertEquals(2, ReadStreams.choose("two", false));
        assertTrue(ReadStreams.DEFAULT == 1 || ReadStreams.DEFAULT == 2);
    }
}
