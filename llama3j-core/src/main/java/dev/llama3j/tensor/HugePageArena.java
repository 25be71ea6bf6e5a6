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
 * A shared arena whose large allocations (the repacked weights) are cut, one after another, from
 * anonymous memory mappings that the kernel is asked to back with 2 MB pages
 * ({@code madvise(MADV_HUGEPAGE)}, Linux). A token reads every weight once, in long forward streams:
 * with 4 KB pages that is a TLB miss every 4 KB, and the hardware prefetchers stop at each page's end.
 * Cutting them from shared mappings of {@link #CHUNK_BYTES} or more puts all of them on huge pages: a
 * mapping of its own for each matrix left its last part (the size past a multiple of 2 MB, about 1.2
 * MB of a 1B model's 9.5 MB matrices) on 4 KB pages, and matrices under 4 MB (1B's attention
 * projections) came from the plain arena: a 1B Q4_K_M model had 733 of its 914 MB on 2 MB pages,
 * now 907 (1B generation 0-7% faster, 8B level: docs/SPEED.md, finding 40).
 * Where transparent huge pages are off, or the calls are missing (not Linux), allocations fall back to
 * the plain arena's, zeroed as usual.
 *
 * <p>Fresh mappings are already zero and no memory is handed out twice, so these allocations also
 * skip the plain arena's zeroing pass.
 */
public final class HugePageArena implements Arena {
    /** Allocations from this size up are cut from the mappings; smaller ones come from the plain arena. */
    static final long MIN_MAPPED_BYTES = 64L << 10;
    /**
     * {@link #allocateAuto}'s allocations from this size up are mapped, each on its own: a mapping's
     * first touch of a 2 MB page makes all of it resident, too much for a small one.
     */
    static final long MIN_AUTO_MAPPED_BYTES = 4L << 20;
    /** The least size of a mapping that allocations are cut from (a larger allocation gets its own). */
    static final long CHUNK_BYTES = 64L << 20;
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
    /** The mapping allocations are being cut from (null: none yet), and its first free byte's offset. */
    private MemorySegment chunk;
    private long chunkUsed;

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
        Arena auto = Arena.ofAuto();
        if (byteSize < MIN_AUTO_MAPPED_BYTES || !mapped(byteSize, byteAlignment)) {
            return auto.allocate(byteSize, byteAlignment);
        }
        return map(byteSize, auto);
    }

    /** Whether large allocations are mapped with the huge-page advice on this platform. */
    public static boolean mapsLargeAllocations() {
        return MMAP != null && !Boolean.getBoolean("llama3j.noHugePages");
    }

    private static boolean mapped(long byteSize, long byteAlignment) {
        return byteSize >= MIN_MAPPED_BYTES && byteAlignment <= HUGE_PAGE && mapsLargeAllocations();
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (!mapped(byteSize, byteAlignment)) {
            return arena.allocate(byteSize, byteAlignment);
        }
        long start = chunk == null ? 0 : (chunk.address() + chunkUsed + byteAlignment - 1) & -byteAlignment;
        if (chunk == null || start + byteSize > chunk.address() + chunk.byteSize()) {
            // A new mapping; what is left of the last one stays unused (never touched: not resident).
            chunk = map(Math.max(CHUNK_BYTES, (byteSize + HUGE_PAGE - 1) & -HUGE_PAGE), arena);
            start = chunk.address();
        }
        chunkUsed = start - chunk.address() + byteSize;
        return chunk.asSlice(start - chunk.address(), byteSize);
    }

    /**
     * {@code byteSize} bytes of a fresh anonymous mapping, starting on a 2 MB boundary and advised to
     * be backed with huge pages, unmapped when {@code owner} closes (or, automatic, forgets it).
     */
    private static MemorySegment map(long byteSize, Arena owner) {
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
        MemorySegment whole = base.reinterpret(mapped, owner, s -> unmap(s.address(), mapped));
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
