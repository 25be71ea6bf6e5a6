package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised steps between products against their scalar definitions, and the weights' arena. */
class VectorStepsTest {
    @Test
    void quantizationRoundsLikeLlamaCppQ8_0() {
        SplittableRandom r = new SplittableRandom(5);
        int blocks = 64;
        float[] x = new float[blocks * MatmulInput.BLOCK];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + i % 7));
        }
        // Exact halves after scaling (127 / amax = 1 in these blocks), negative ones included,
        // which go to the even neighbour (llama.cpp's _mm256_round_ps), not up; and an all-zero block.
        for (int i = 0; i < MatmulInput.BLOCK; i++) {
            x[i] = i == 0 ? 127f : -15.5f + i;
            x[MatmulInput.BLOCK + i] = 0f;
        }
        short[] q = new short[x.length];
        float[] scale = new float[blocks];
        int[] sum = new int[blocks];
        MatmulInput.quantizeBlocks(x, blocks, q, scale, sum);
        for (int b = 0; b < blocks; b++) {
            float amax = 0;
            for (int i = 0; i < MatmulInput.BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[b * MatmulInput.BLOCK + i]));
            }
            // llama.cpp's quantize_row_q8_0: id = 127 / amax, the scale amax / 127 kept as fp16.
            float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax == 0 ? 0 : 127f / amax;
            assertEquals(d, scale[b], 0f, "scale of block " + b);
            int s = 0;
            for (int i = 0; i < MatmulInput.BLOCK; i++) {
                int k = b * MatmulInput.BLOCK + i;
                int expected = (int) Math.rint(x[k] * id);
                assertEquals(expected, q[k], "value " + k + " (" + x[k] + ")");
                s += expected;
            }
            assertEquals(s, sum[b], "sum of block " + b);
        }
    }

    @Test
    void swigluMatchesTheScalarFormula() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 1000; // not a multiple of any vector length: the scalar tail runs too
        float[] gate = new float[n];
        float[] up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (r.nextGaussian() * 4);
            up[i] = (float) r.nextGaussian();
        }
        float[] out = new float[n];
        FloatArrays.swiglu(gate, up, out, n);
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float expected = g / (1f + (float) Math.exp(-g)) * up[i];
            assertEquals(expected, out[i], 4 * Math.ulp(expected), "element " + i);
        }
    }

    @Test
    void swigluInPiecesEqualsOneCall() {
        SplittableRandom r = new SplittableRandom(10);
        int n = 1000;
        float[] gate = new float[n];
        float[] up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (r.nextGaussian() * 4);
            up[i] = (float) r.nextGaussian();
        }
        float[] whole = new float[n];
        FloatArrays.swiglu(gate, up, whole, n);
        float[] pieces = new float[n];
        // Pieces that start at multiples of every vector length, the last with the scalar tail.
        FloatArrays.swiglu(gate, up, pieces, 0, 64);
        FloatArrays.swiglu(gate, up, pieces, 64, 640);
        FloatArrays.swiglu(gate, up, pieces, 640, n);
        // To 4 ulps (the tolerance of the test above), not bit for bit: a call made before C2
        // compiles the vector exp (run in Java until then) and one made after differ in the last
        // bits (seen in the full suite: 0.42356774 vs 0.4235678, 2 ulps).
        for (int i = 0; i < n; i++) {
            assertEquals(whole[i], pieces[i], 4 * Math.ulp(whole[i]), "element " + i);
        }
    }

    @Test
    void hugePageArenaGivesZeroedAlignedMemoryAndSmallAllocationsToo() {
        try (HugePageArena arena = new HugePageArena()) {
            long big = HugePageArena.MIN_MAPPED_BYTES + 12345;
            MemorySegment m = arena.allocate(big, 64);
            assertEquals(big, m.byteSize());
            assertEquals(0, m.address() % 64);
            if (HugePageArena.mapsLargeAllocations()) {
                assertEquals(0, m.address() % (2 << 20), "mapped allocations start on a 2 MB boundary");
            }
            for (long o = 0; o < big; o += 4096) {
                assertEquals(0, m.get(ValueLayout.JAVA_BYTE, o));
            }
            m.set(ValueLayout.JAVA_BYTE, big - 1, (byte) 7);
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, big - 1));
            MemorySegment small = arena.allocate(100, 8);
            assertEquals(100, small.byteSize());
            assertTrue(small.scope().equals(m.scope()), "one lifetime for all of the arena's memory");
        }
    }

    @Test
    void anArenasLargeAllocationsAreCutOneAfterAnotherFromSharedMappings() {
        assumeTrue(HugePageArena.mapsLargeAllocations(), "this host maps no large allocations (HugePageArena)");
        try (HugePageArena arena = new HugePageArena()) {
            MemorySegment a = arena.allocate(3_000_001, 64);
            MemorySegment b = arena.allocate(HugePageArena.MIN_MAPPED_BYTES, 64);
            assertEquals(0, a.address() % (2 << 20), "a fresh mapping starts on a 2 MB boundary");
            assertEquals((a.address() + a.byteSize() + 63) & -64, b.address(),
                    "the next allocation starts where the last ended, at its alignment");
            for (long o = 0; o < b.byteSize(); o += 4096) {
                assertEquals(0, b.get(ValueLayout.JAVA_BYTE, o));
            }
            // More than the rest of the mapping: a mapping of its own, also from a 2 MB boundary.
            MemorySegment big = arena.allocate(HugePageArena.CHUNK_BYTES + 1, 64);
            assertEquals(HugePageArena.CHUNK_BYTES + 1, big.byteSize());
            assertEquals(0, big.address() % (2 << 20));
            big.set(ValueLayout.JAVA_BYTE, big.byteSize() - 1, (byte) 5);
            assertEquals(5, big.get(ValueLayout.JAVA_BYTE, big.byteSize() - 1));
            assertEquals(0, a.get(ValueLayout.JAVA_BYTE, a.byteSize() - 1), "no memory is handed out twice");
        }
    }

    @Test
    void anAutomaticHugePageAllocationIsZeroedAlignedAndUnmappedOnceUnreachable() throws Exception {
        long big = HugePageArena.MIN_AUTO_MAPPED_BYTES + 4321;
        MemorySegment m = HugePageArena.allocateAuto(big, 64);
        assertEquals(big, m.byteSize());
        for (long o = 0; o < big; o += 4096) {
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, o));
        }
        m.set(ValueLayout.JAVA_BYTE, big - 1, (byte) 9);
        assertEquals(9, m.get(ValueLayout.JAVA_BYTE, big - 1));
        java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
        assumeTrue(HugePageArena.mapsLargeAllocations() && java.nio.file.Files.isReadable(maps),
                "this host maps no large allocations (HugePageArena), or /proc/self/maps is unreadable");
        assertEquals(0, m.address() % (2 << 20), "mapped allocations start on a 2 MB boundary");
        // The advised range is a mapping of its own in /proc/self/maps: "start-end perms ...".
        String range = Long.toHexString(m.address()) + "-" + Long.toHexString(m.address() + (big + 4095) / 4096 * 4096);
        assertTrue(java.nio.file.Files.readAllLines(maps).stream().anyMatch(l -> l.startsWith(range + " ")),
                "mapped as " + range);
        m = null;
        // A matrix's repacked weights must not outlive it: the mapping goes once the GC finds it unreachable.
        long deadline = System.nanoTime() + 20_000_000_000L;
        boolean mapped = true;
        while (mapped && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
            mapped = java.nio.file.Files.readAllLines(maps).stream().anyMatch(l -> l.startsWith(range + " "));
        }
        assertFalse(mapped, "the mapping " + range + " was never unmapped");
    }

    @Test
    void aMappingTheSystemRefusesIsAnOutOfMemoryErrorThatSaysWhat() {
        try (HugePageArena arena = new HugePageArena()) {
            long absurd = 1L << 60; // beyond any process's address space
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> arena.allocate(absurd, 64));
            if (HugePageArena.mapsLargeAllocations()) {
                assertEquals("not enough memory for the repacked weights: could not map " + absurd
                        + " bytes (mmap failed)", e.getMessage());
            }
            // The arena is still usable after the refusal.
            assertEquals(HugePageArena.MIN_MAPPED_BYTES, arena.allocate(HugePageArena.MIN_MAPPED_BYTES, 64).byteSize());
        }
    }
}
