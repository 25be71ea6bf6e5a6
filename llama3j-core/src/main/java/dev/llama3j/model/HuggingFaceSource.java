package dev.llama3j.model;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face model folder: {@code config.json}, safetensors weights (one file or shards),
 * {@code tokenizer.json} with {@code tokenizer_config.json}, the chat template and
 * {@code generation_config.json}. Any folder is taken for one, so that what it lacks is reported by
 * the file's name.
 */
public final class HuggingFaceSource implements ModelSource {
    public static final ModelFormat FORMAT = new ModelFormat("Hugging Face", "a Hugging Face model folder", null,
            Files::isDirectory, HuggingFaceSource::new);

    private final Path dir;
    private LlamaConfig config;
    private SafetensorsCheckpoint checkpoint; // mapped by tensors(), null once closed or handed over
    private SafetensorsTensors tensors;

    public HuggingFaceSource(Path dir) {
        this.dir = dir;
    }

    @Override
    public Path path() {
        return dir;
    }

    @Override
    public LlamaConfig config() {
        if (config == null) {
            config = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
        }
        return config;
    }

    @Override
    public SafetensorsTensors tensors() {
        if (tensors == null) {
            checkpoint = SafetensorsCheckpoint.open(dir);
            tensors = new SafetensorsTensors(dir, checkpoint);
        }
        return tensors;
    }

    @Override
    public Tokenizer tokenizer() {
        return Tokenizer.load(dir);
    }

    @Override
    public ChatTemplate chatTemplate() {
        return ChatTemplate.fromTokenizerDir(dir);
    }

    @Override
    public GenerationConfig generationConfig() {
        return GenerationConfig.fromHuggingFace(dir);
    }

    @Override
    public Runnable handOver() {
        SafetensorsCheckpoint c = checkpoint;
        checkpoint = null;
        return c == null ? () -> {} : c::close;
    }

    @Override
    public void close() {
        if (checkpoint != null) {
            checkpoint.close();
            checkpoint = null;
        }
    }
}
