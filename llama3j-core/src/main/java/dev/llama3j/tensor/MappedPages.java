package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Dropping the resident pages of a mapped tensor once it has been copied elsewhere (repacked, NF4
 * quantized): a mapping keeps every page it has read resident until it is unmapped, which waits for
 * the tensors still read in place (the embeddings), so without this a model would be held twice. The
 * mapping stays valid: a page read again is reloaded from the file.
 */
public final class MappedPages {
    private MappedPages() {}

    /** Drops {@code data}'s pages from resident memory if it is a non-empty mapped segment. */
    public static void release(MemorySegment data) {
        if (data.isMapped() && data.byteSize() > 0) {
            data.unload();
        }
    }
}
