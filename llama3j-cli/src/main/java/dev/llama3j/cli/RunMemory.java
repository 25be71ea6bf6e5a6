package dev.llama3j.cli;

import dev.llama3j.bench.Benchmark;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The memory a command used, for its closing summary: the process's peak resident memory
 * ({@code VmHWM} of {@code /proc/self/status}: everything resident, Java heap, native memory and
 * mapped weight pages alike; -1 where there is no such file) and the Java heap's peak (the sum of the
 * heap pools' peaks) and maximum.
 */
record RunMemory(long peakResident, long heapPeak, long heapMax) {

    static RunMemory measure() {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        return new RunMemory(Benchmark.residentMemory()[1], heap, Runtime.getRuntime().maxMemory());
    }
}
