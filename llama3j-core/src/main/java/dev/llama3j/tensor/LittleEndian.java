package dev.llama3j.tensor;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Unaligned little-endian layouts. GGUF and safetensors data is little-endian whatever the CPU, and
 * block fields (an fp16 scale after 34-byte blocks, say) are rarely aligned.
 */
final class LittleEndian {
    private LittleEndian() {}

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * The eight bytes {@code b[i .. i+8)} as one little-endian long: load-time repacking and scans
     * take eight bytes at a time.
     */
    static long longAt(byte[] b, int i) {
        return (long) LONGS.get(b, i);
    }

    /** Stores {@code v} little-endian into {@code b[i .. i+8)}. */
    static void putLong(byte[] b, int i, long v) {
        LONGS.set(b, i, v);
    }

    /** The fp16 value at {@code offset}, widened to fp32. */
    static float half(java.lang.foreign.MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }
}
