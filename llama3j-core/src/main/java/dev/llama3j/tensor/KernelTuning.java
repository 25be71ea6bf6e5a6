package dev.llama3j.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The choices of the weight kernels that depend on the host's processor rather than on the code,
 * made once at start-up from the vendor that {@code /proc/cpuinfo} names (docs/SPEED.md):
 * <ul>
 *   <li>{@code readStreams}, 1 or 2: how many forward streams a thread reads its rows of a Q4_K,
 *       Q6_K or Q8_0 matrix as when generating: two (the first and the second half of a group's
 *       blocks, in turn) or one (the blocks in order). On the Intel Xeon host two streams keep more
 *       prefetches in flight (finding 14: 8B Q4_K_M generation about 6% faster, 1B 3-5%); on the
 *       AMD EPYC host the second stream made the same generation 13-16% slower (finding 22).</li>
 *   <li>{@code fusedColumns}: whether Q4_0 and Q4_K steps of 8 inputs and more, and Q6_K's of 2
 *       and more (many sequences at once), dequantize each column to fp32 in registers
 *       for eight inputs at a time, or keep to the 16-bit integer kernels, two inputs per pass over
 *       the weights. The Intel Xeon's cores run two
 *       512-bit FMAs a cycle and the fp32 columns won there (8 sequences of 1B Q4_K_M 20-25%
 *       faster); an AMD EPYC core runs one (as two 256-bit halves) and the integer kernels win
 *       (finding 23: 8 sequences of 1B Q4_K_M 51-56 → 60-62 tok/s, Q4_0 60-61 → 66-70; finding 27:
 *       Q6_K's too, 58-61 → 63-68; finding 28: the compact Q6_K's through a decoding to bytes).</li>
 * </ul>
 * AMD processors get one stream and the integer kernels, others two streams and the fp32 columns;
 * {@code -Dllama3j.readStreams=1|2} and {@code -Dllama3j.fusedColumns=true|false} force either, to
 * measure them on a new host. The matrices take their tuning at packing time, and the tests give
 * them each tuning in turn ({@link WeightMatrix#withTuning}).
 */
record KernelTuning(int readStreams, boolean fusedColumns) {
    static final String STREAMS_PROPERTY = "llama3j.readStreams";
    static final String FUSED_PROPERTY = "llama3j.fusedColumns";

    /** This host's tuning. */
    static final KernelTuning HOST =
            choose(System.getProperty(STREAMS_PROPERTY), System.getProperty(FUSED_PROPERTY), amdProcessor());

    KernelTuning {
        if (readStreams != 1 && readStreams != 2) {
            throw new IllegalArgumentException("readStreams must be 1 or 2, got " + readStreams);
        }
    }

    /** The tuning for an AMD processor or another, with each forced value (null: none) that is valid. */
    static KernelTuning choose(String streams, String fused, boolean amd) {
        String s = valid(STREAMS_PROPERTY, streams, "1", "2");
        String f = valid(FUSED_PROPERTY, fused, "true", "false");
        return new KernelTuning(s != null ? Integer.parseInt(s) : amd ? 1 : 2,
                f != null ? Boolean.parseBoolean(f) : !amd);
    }

    /** {@code value} if it is one of {@code allowed}; otherwise null, saying so on stderr unless it is null. */
    static String valid(String property, String value, String... allowed) {
        if (value == null) {
            return null;
        }
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        System.err.println("llama3j: -D" + property + "=" + value + " ignored: it takes "
                + String.join(" or ", allowed));
        return null;
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
