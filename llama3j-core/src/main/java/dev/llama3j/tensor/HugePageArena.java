package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * A shared arena whose large allocations (the repacked weights) are anonymous memory mappings that
 * the kernel is asked to back with 2 MB pages ({@code madvise(MADV_HUGEPAGE)}, Linux). A token reads
 * every weight once, in long forward streams: with 4 KB pages that is a TLB miss every 4 KB, and the
 * hardware prefetchers stop at each page's end. Where transparent huge pages are off, or the calls
 * are missing (not Linux), allocations fall back to the plain arena's, zeroed as usual.
 *
 * <p>Fresh mappings are already zero, so these allocations also skip the plain arena's zeroing pass.
 */
public final class HugePageArena implements Arena {
    /** Allocations from this size up are mapped; smaller ones come from the plain arena. */
    static final long MIN_MAPPED_BYTES = 4L << 20;
    private static final long HUGE_PAGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Optional<MemorySegment> m = libc.find("mmap");
            Optional<MemorySegment> u = libc.find("munmap");
            Optional<MemorySegment> a = libc.find("madvise");
            if (System.getProperty("os.name", "").startsWith("Linux") && m.isPresent() && u.isPresent()
                    && a.isPresent()) {
                mmap = linker.downcallHandle(m.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(u.get(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(a.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            }
        } catch (RuntimeException | LinkageError e) {
            mmap = null; // no native access: plain allocations
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private final Arena arena;

    /** Large allocations live until {@link #close}, like {@link Arena#ofShared()}'s. */
    public HugePageArena() {
        this(Arena.ofShared());
    }

    private HugePageArena(Arena arena) {
        this.arena = arena;
    }

    /**
     * One allocation whose memory is freed when it is no longer reachable, like
     * {@link Arena#ofAuto()}'s, with the huge-page advice where it is large: for matrices that own
     * their repacked weights (AWQ/GPTQ INT4, FP8) instead of taking a model's arena.
     */
    static MemorySegment allocateAuto(long byteSize, long byteAlignment) {
        return new HugePageArena(Arena.ofAuto()).allocate(byteSize, byteAlignment);
    }

    /** Whether large allocations are mapped with the huge-page advice on this platform. */
    public static boolean mapsLargeAllocations() {
        return MMAP != null && !Boolean.getBoolean("llama3j.noHugePages");
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < MIN_MAPPED_BYTES || byteAlignment > HUGE_PAGE || !mapsLargeAllocations()) {
            return arena.allocate(byteSize, byteAlignment);
        }
        // Map one huge page more than asked and start at the first 2 MB boundary, so that every
        // 2 MB of the allocation can be one page.
        long mapped = byteSize + HUGE_PAGE;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (base.address() == -1L) {
            throw new OutOfMemoryError("not enough memory for the repacked weights: could not map " + byteSize
                    + " bytes (mmap failed)");
        }
        long start = (base.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
        MemorySegment whole = base.reinterpret(mapped, arena, s -> unmap(s.address(), mapped));
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), byteSize, MADV_HUGEPAGE);
        } catch (Throwable t) {
            // the advice is only a hint: without it the memory is still usable
        }
        return whole.asSlice(start - base.address(), byteSize);
    }

    private static void unmap(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable t) {
            // nothing a caller could do: the process keeps the pages until it exits
        }
    }

    @Override
    public MemorySegment.Scope scope() {
        return arena.scope();
    }

    @Override
    public void close() {
        arena.close();
    }
}
