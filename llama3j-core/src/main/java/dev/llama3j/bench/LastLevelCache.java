package dev.llama3j.bench;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.mem.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The size of the CPU's last-level cache, as Linux reports it under
 * {@code /sys/devices/system/cpu/cpu0/cache/index*}: the kernel bench reads more than twice this
 * between products and for its bandwidth probe, so that neither measures the cache. Hosts of one
 * machine kind differ here (32 MB on one, 480 MB on another), so a fixed size was not enough.
 */
final class LastLevelCache {
    private LastLevelCache() {}

    /** Bytes of the highest-level cache of CPU 0, or 0 where Linux does not say. */
    static long bytes() {
        return bytes(Path.of("/sys/devices/system/cpu/cpu0/cache"));
    }

    /** As {@link #bytes()}, from a directory laid out like {@code /sys/devices/system/cpu/cpu0/cache}. */
    static long bytes(Path dir) {
        int bestLevel = -1;
        long best = 0;
        for (int i = 0; ; i++) {
            Path index = dir.resolve("index" + i);
            if (!Files.isDirectory(index)) {
                return best;
            }
            try {
                int level = Integer.parseInt(Files.readString(index.resolve("level")).trim());
                long size = parseSize(Files.readString(index.resolve("size")));
                if (level > bestLevel && size > 0) {
                    bestLevel = level;
                    best = size;
                }
            } catch (IOException | NumberFormatException e) {
                // An entry that cannot be read says nothing about the cache; the others still may.
            }
        }
    }

    /**
     * {@code "491520K"}, {@code "32M"} or a plain byte count, -1 if it is none of these. Linux's K, M
     * and G are powers of 1024, which {@link ByteSize} spells KiB, MiB and GiB (it refuses the bare
     * letters from users, as ambiguous).
     */
    static long parseSize(String text) {
        String s = text.strip();
        if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G")) {
            s += "iB";
        }
        try {
            return ByteSize.parse(s, "cache size");
        } catch (InvalidRequestException e) {
            return -1;
        }
    }
}
