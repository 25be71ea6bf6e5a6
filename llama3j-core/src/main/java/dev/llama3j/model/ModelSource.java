package dev.llama3j.model;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A model as stored on disk in one format: everything loading needs, read from that format. One
 * implementation per format, registered in {@link ModelSources}; {@link ModelLoader} turns any of them
 * into a {@link LlamaModel}, and {@code Llama.load} takes the tokenizer, chat template and generation
 * config from it too. Errors name the file and the key or tensor at fault.
 *
 * <p>Opening a source maps its weight files at most; the rest is read when asked for. Not thread-safe.
 */
public interface ModelSource extends AutoCloseable {
    /** The folder or file the model was opened from. */
    Path path();

    /** The model's shape and hyper-parameters; read once. */
    LlamaConfig config();

    /** The weights, addressed by their Hugging Face names; the files are mapped on the first call. */
    TensorSource tensors();

    Tokenizer tokenizer();

    /** The model's chat template, with its BOS and EOS texts; the built-in Llama 3.1 one when it has none. */
    ChatTemplate chatTemplate();

    /** The sampling defaults and end-of-turn ids the model ships; {@link GenerationConfig#none()} when none. */
    GenerationConfig generationConfig();

    /**
     * Gives the mapped files to the model being built: returns the action that unmaps them (holding
     * neither this source nor its metadata, which can then be collected), after which {@link #close}
     * leaves them mapped. Called once, by {@link ModelLoader}.
     */
    Runnable handOver();

    /** Unmaps the files unless they were handed over; closing twice does nothing more. */
    @Override
    void close();
}
