package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DatagenProgressBarTest {
    @Test
    void lineShowsRowsRateAndTimeLeft() {
        assertEquals("[###############...............] 5/10 rows  12.5 tok/s  ETA 40s   ",
                DatagenProgressBar.line(5, 10, 500, 40));
        assertEquals("[..............................] 0/10 rows  0.0 tok/s  ETA ?   ", DatagenProgressBar.line(0, 10, 0, 0));
        assertEquals("2m05s", DatagenProgressBar.duration(125));
        assertEquals("1h01m", DatagenProgressBar.duration(3660));
    }
}
