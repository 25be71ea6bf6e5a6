package dev.llama3j.convert;

import dev.llama3j.gguf.GgufWriter.TensorOutput;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * Writes a matrix to a GGUF tensor row by row, each row produced as fp32 by a {@link Rows} and
 * converted by {@link Quantizer}. Rows are made and converted in parallel a chunk at a time (a few MiB),
 * then written in order, so a tensor of any size needs one chunk in memory and the bytes do not
 * depend on the number of threads.
 */
final class RowWriter {
    private RowWriter() {}

    /** Produces GGUF row {@code row} ({@code cols} values) into {@code out} from {@code off}; called from several threads. */
    @FunctionalInterface
    interface Rows {
        void fill(int row, float[] out, int off);
    }

    private static final long CHUNK_BYTES = 8 << 20;

    static void write(TensorOutput out, GgmlType type, int rows, int cols, Rows source, LongConsumer written)
            throws IOException {
        long rowBytes = type.bytesFor(cols);
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_BYTES / Math.max(rowBytes, 4L * cols)));
        byte[] chunk = new byte[Math.toIntExact(chunkRows * rowBytes)];
        MemorySegment chunkSeg = MemorySegment.ofArray(chunk);
        ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[cols]);
        for (int start = 0; start < rows; start += chunkRows) {
            int first = start;
            int n = Math.min(chunkRows, rows - start);
            IntStream.range(0, n).parallel().forEach(i -> {
                float[] buf = buffers.get();
                source.fill(first + i, buf, 0);
                Quantizer.quantize(type, buf, 0, cols, chunkSeg, i * rowBytes);
            });
            out.write(chunk, 0, (int) (n * rowBytes));
            written.accept(n * rowBytes);
        }
    }
}
