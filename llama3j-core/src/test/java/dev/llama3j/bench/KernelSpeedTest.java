package dev.llama3j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel report measures every layout and prints it (speeds are not asserted: they live in bench/). */
class KernelSpeedTest {
    @Test
    void everyLayoutIsMeasuredBesideTheReadBandwidth() {
        KernelSpeed.Report r = KernelSpeed.run(2, 1, new int[][] {{64, 256}}, 0.005);
        List<String> layouts = r.kernels().stream().map(KernelSpeed.Kernel::layout).toList();
        assertEquals(List.of("Q8_0", "Q4_0", "Q6_K", "Q4_K", "INT4 g128", "FP8 weight-only", "FP8 dynamic"), layouts);
        for (KernelSpeed.Kernel k : r.kernels()) {
            assertTrue(k.bestMicros() > 0 && k.bestMicros() <= k.medianMicros() && k.gbPerSecond() > 0, k.toString());
            assertTrue(k.bitsPerWeight() >= 4 && k.bitsPerWeight() <= 10, k.toString()); // as repacked in memory
        }
        assertTrue(r.readGbPerSecond() > 0 && r.handOffMicros() > 0, r.toString());
        int perLoad = 64 / jdk.incubator.vector.LongVector.SPECIES_PREFERRED.vectorByteSize(); // loads per 64 bytes
        assertEquals(List.of(0, 4 * perLoad, 8 * perLoad, 12 * perLoad, 16 * perLoad),
                r.workProbes().stream().map(KernelSpeed.WorkProbe::xorsPer64Bytes).toList());
        for (KernelSpeed.WorkProbe w : r.workProbes()) {
            assertTrue(w.memoryGbPerSecond() > 0 && w.cacheGbPerSecond() > 0 && w.twoStreamsGbPerSecond() > 0,
                    w.toString());
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        KernelSpeed.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("64 x 256") && text.contains("read bandwidth") && text.contains("hand-off")
                && text.contains(" XORs ") && text.contains("two streams"), text);
    }
}
