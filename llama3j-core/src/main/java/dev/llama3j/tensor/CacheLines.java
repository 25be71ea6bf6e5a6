package dev.llama3j.tensor;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float array's elements meet the 64-byte cache lines. The JVM places an array's first
 * element 16 bytes after the object's start, objects 8 bytes apart: so a kernel that loads 64-byte
 * vectors from {@code a[16 i]} reads two lines per load in seven placements out of eight, and its
 * speed changed from one JVM start to the next (docs/SPEED.md, finding 21). Java has no way to ask
 * for an array's address; the C library's {@code memmove}, called through the foreign function API
 * on the array itself with nothing to move, returns it.
 *
 * <p>Where native access is not enabled for this code ({@code --enable-native-access}, which
 * {@code bin/jvm.options} passes), or the C library has no {@code memmove}, every array counts as
 * aligned: the kernels are as fast as they were, and nothing else changes. A collector that moves an
 * array afterwards can only cost speed, never change a result.
 */
public final class CacheLines {
    private static final int LINE_BYTES = 64;
    /** Floats in a cache line: the room to leave before a buffer so that it can start at one. */
    public static final int LINE_FLOATS = LINE_BYTES / Float.BYTES;
    /** {@code void *memmove(void *dst, const void *src, size_t n)}, which returns {@code dst}; null if unavailable. */
    private static final MethodHandle MEMMOVE = memmove();

    private CacheLines() {}

    /**
     * The first index of {@code a} whose element starts a cache line, in {@code [0, 16)}; 0 where the
     * address cannot be learnt.
     */
    public static int firstLineStart(float[] a) {
        return MEMMOVE == null ? 0 : firstLineStart(MemorySegment.ofArray(a), Float.BYTES);
    }

    /** {@link #firstLineStart(float[])} for a short array: in {@code [0, 32)}. */
    public static int firstLineStart(short[] a) {
        return MEMMOVE == null ? 0 : firstLineStart(MemorySegment.ofArray(a), Short.BYTES);
    }

    private static int firstLineStart(MemorySegment array, int elementBytes) {
        try {
            long address = ((MemorySegment) MEMMOVE.invokeExact(array, array, 0L)).address();
            int past = (int) (address & (LINE_BYTES - 1));
            return past == 0 || past % elementBytes != 0 ? 0 : (LINE_BYTES - past) / elementBytes;
        } catch (Throwable e) {
            return 0;
        }
    }

    private static MethodHandle memmove() {
        try {
            if (!CacheLines.class.getModule().isNativeAccessEnabled()) {
                return null; // calling it would print the JVM's restricted-method warning
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memmove")
                    .map(f -> linker.downcallHandle(f,
                            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                    ValueLayout.JAVA_LONG),
                            Linker.Option.critical(true))) // critical: the call may read a heap array
                    .orElse(null);
        } catch (RuntimeException e) {
            return null; // no native linker on this platform, or native access denied
        }
    }
}
