package dev.llama3j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last-level cache read from a directory laid out like Linux's {@code cpu0/cache}. */
class LastLevelCacheTest {
    private static void entry(Path dir, int i, String level, String size) throws IOException {
        Path index = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(index.resolve("level"), level + "\n");
        Files.writeString(index.resolve("size"), size + "\n");
    }

    @Test
    void theHighestLevelWins(@TempDir Path dir) throws IOException {
        entry(dir, 0, "1", "48K");
        entry(dir, 1, "1", "32K");
        entry(dir, 2, "2", "2048K");
        entry(dir, 3, "3", "491520K");
        assertEquals(480L << 20, LastLevelCache.bytes(dir));
    }

    @Test
    void unreadableEntriesAndMissingDirectoriesSayNothing(@TempDir Path dir) throws IOException {
        assertEquals(0, LastLevelCache.bytes(dir.resolve("absent")));
        entry(dir, 0, "2", "1M");
        entry(dir, 1, "three", "32M"); // a level that is not a number
        Files.createDirectories(dir.resolve("index2")); // no files at all
        assertEquals(1L << 20, LastLevelCache.bytes(dir));
    }

    @Test
    void sizesInTheirUnits() {
        assertEquals(491520L << 10, LastLevelCache.parseSize("491520K"));
        assertEquals(32L << 20, LastLevelCache.parseSize(" 32M\n"));
        assertEquals(1L << 30, LastLevelCache.parseSize("1G"));
        assertEquals(4096, LastLevelCache.parseSize("4096"));
        assertEquals(-1, LastLevelCache.parseSize("big"));
    }
}
