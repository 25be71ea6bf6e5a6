package dev.llama3j.model;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.quant.QuantizationConfig;
import dev.llama3j.quant.QuantizedCheckpoint;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A quantized Hugging Face folder as published (AWQ, GPTQ, compressed-tensors, fbgemm FP8): a plain
 * folder whose config names a quantization method. Everything but the linear layers reads as in
 * {@link HuggingFaceSource}; the layers come unpacked by {@code dev.llama3j.quant} ({@link QuantizedTensors}).
 */
public final class QuantizedSource implements ModelSource {
    public static final ModelFormat FORMAT = new ModelFormat("quantized Hugging Face", null, null,
            QuantizationConfig::declared, QuantizedSource::new);

    private final HuggingFaceSource folder;
    private QuantizationConfig quantization;
    private QuantizedTensors tensors;

    public QuantizedSource(Path dir) {
        this.folder = new HuggingFaceSource(dir);
    }

    /** The quantization settings; read (and checked) once. */
    public QuantizationConfig quantization() {
        if (quantization == null) {
            quantization = QuantizationConfig.read(folder.path());
        }
        return quantization;
    }

    @Override
    public Path path() {
        return folder.path();
    }

    @Override
    public LlamaConfig config() {
        LlamaConfig c = folder.config();
        quantization(); // an unsupported method is reported before any weight is mapped
        return c;
    }

    @Override
    public TensorSource tensors() {
        if (tensors == null) {
            SafetensorsTensors plain = folder.tensors();
            tensors = new QuantizedTensors(plain, new QuantizedCheckpoint(path(), plain.checkpoint(), quantization()));
        }
        return tensors;
    }

    @Override
    public Tokenizer tokenizer() {
        return folder.tokenizer();
    }

    @Override
    public ChatTemplate chatTemplate() {
        return folder.chatTemplate();
    }

    @Override
    public GenerationConfig generationConfig() {
        return folder.generationConfig();
    }

    @Override
    public Runnable handOver() {
        return folder.handOver();
    }

    @Override
    public void close() {
        folder.close();
    }
}
