package dev.llama3j.mem;

import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.tensor.GgmlType;
import java.nio.file.Path;

/**
 * Writes a Llama GGUF of a given shape whose tensors have the types a weight format's recipe gives
 * them (zero data), with {@code llama.*} metadata and a {@code rope_freqs} tensor as llama.cpp's
 * converter writes them; for testing what {@code mem} reads from GGUF files.
 */
public final class MiniGguf {
    private MiniGguf() {}

    /** Bytes of the {@code rope_freqs.weight} tensor written besides the model's weights. */
    public static long ropeFreqsBytes(ModelShape s) {
        return s.headDim() / 2 * 4L;
    }

    public static Path write(Path file, ModelShape s, WeightFormat format) {
        GgufWriter w = new GgufWriter()
                .putString(GgufKeys.GENERAL_ARCHITECTURE, GgufKeys.ARCHITECTURE_LLAMA)
                .putString(GgufKeys.GENERAL_NAME, s.name())
                .putUint32(GgufKeys.LLAMA_CONTEXT_LENGTH, s.maxPositions())
                .putUint32(GgufKeys.LLAMA_EMBEDDING_LENGTH, s.hidden())
                .putUint32(GgufKeys.LLAMA_BLOCK_COUNT, s.layers())
                .putUint32(GgufKeys.LLAMA_FEED_FORWARD_LENGTH, s.ffn())
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT, s.heads())
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT_KV, s.kvHeads())
                .putUint32(GgufKeys.LLAMA_KEY_LENGTH, s.headDim())
                .putUint32(GgufKeys.LLAMA_VALUE_LENGTH, s.headDim())
                .putFloat32(GgufKeys.LLAMA_ROPE_FREQ_BASE, 500000f)
                .putFloat32(GgufKeys.LLAMA_RMS_EPS, 1e-5f)
                .addTensor(LlamaGgufNames.ROPE_FREQS, GgmlType.F32, new long[] {s.headDim() / 2},
                        new byte[(int) ropeFreqsBytes(s)]);
        for (ModelTensor t : s.tensors()) {
            GgmlType type = format.ggmlType(t, s);
            long[] dims = t.rows() == 1 ? new long[] {t.cols()} : new long[] {t.cols(), t.rows()};
            w.addTensor(LlamaGgufNames.toGguf(t.name()), type, dims, new byte[(int) type.bytesFor(t.elements())]);
        }
        w.write(file);
        return file;
    }
}
