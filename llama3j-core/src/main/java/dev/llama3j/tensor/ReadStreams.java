package dev.llama3j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * How many forward streams a thread reads its rows of a weight matrix as, in the Q4_K, Q6_K and
 * Q8_0 generation kernels: two (the first and the second half of a group's blocks, in turn) or one
 * (the blocks in order). Which is faster depends on the host's memory side, not on the code: on the
 * Intel Xeon host two streams keep more prefetches in flight (docs/SPEED.md, finding 14: 8B Q4_K_M
 * generation about 6% faster, 1B 3-5%); on the AMD EPYC host the second stream made the same generation 13-16%
 * slower (finding 22). So: one stream on AMD processors, two elsewhere, chosen once at start-up;
 * {@code -Dllama3j.readStreams=1|2} forces either, to measure them on a new host.
 */
final class ReadStreams {
    private ReadStreams() {}

    static final String PROPERTY = "llama3j.readStreams";

    /** 1 or 2. */
    static final int DEFAULT = choose(System.getProperty(PROPERTY), amdProcessor());

    static int choose(String forced, boolean amd) {
        if (forced != null) {
            if (forced.equals("1") || forced.equals("2")) {
                return Integer.parseInt(forced);
            }
            System.err.println("llama3j: -D" + PROPERTY + "=" + forced + " ignored: it takes 1 or 2");
        }
        return amd ? 1 : 2;
    }

    /** Whether /proc/cpuinfo names an AMD processor (false where it cannot be read: not Linux). */
    private static boolean amdProcessor() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("vendor_id")).findFirst()
                    .map(l -> l.contains("AuthenticAMD")).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
