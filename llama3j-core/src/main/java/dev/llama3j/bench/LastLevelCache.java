package dev.llama3j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

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

    /** {@code "491520K"}, {@code "32M"} or a plain byte count; -1 if it is none of these. */
    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("K")) {
            unit = 1L << 10;
        } else if (s.endsWith("M")) {
            unit = 1L << 20;
        } else if (s.endsWith("G")) {
            unit = 1L << 30;
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits) * unit;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
