package dev.llama3j.model;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A GGUF file, which holds everything in one place: the config, tokenizer, chat template and sampling
 * defaults in its metadata (parsed into memory when the file is opened), the weights in the mapping.
 */
public final class GgufModelSource implements ModelSource {
    public static final ModelFormat FORMAT = new ModelFormat("GGUF", "a GGUF file",
            "it does not start with the magic 'GGUF'", GgufModelSource::recognises, GgufModelSource::new);

    private final Path path;
    private final GgufFile file;
    private boolean handedOver;
    private LlamaConfig config;
    private Tokenizer tokenizer;

    /** Maps and parses {@code path}; errors name the file and the key or tensor at fault. */
    public GgufModelSource(Path path) {
        this.path = path;
        this.file = GgufFile.open(path);
    }

    /**
     * A file that starts with the GGUF magic, or whose name ends in {@code .gguf} (so that a damaged one
     * is reported as a damaged GGUF file).
     */
    static boolean recognises(Path path) {
        return !Files.isDirectory(path) && (GgufFile.hasGgufMagic(path)
                || path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"));
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public LlamaConfig config() {
        if (config == null) {
            config = LlamaConfig.fromGguf(file);
        }
        return config;
    }

    /**
     * Weights in their stored type; Q/K rows keep llama.cpp's order ({@link RopeLayout#INTERLEAVED});
     * {@code rope_freqs.weight}, when present, scales the RoPE frequencies as llama.cpp applies it.
     */
    @Override
    public TensorSource tensors() {
        return new GgufTensors(file);
    }

    @Override
    public Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = GgufVocabulary.tokenizer(file);
        }
        return tokenizer;
    }

    /** {@code tokenizer.chat_template}, with the bos_token and eos_token the file's ids name. */
    @Override
    public ChatTemplate chatTemplate() {
        ChatTemplate template = ChatTemplate.ofOrDefault(GgufVocabulary.chatTemplate(file).orElse(null));
        Tokenizer t = tokenizer();
        int bos = t.bosId().orElse(-1);
        int eos = t.eosId().orElse(-1);
        return template.withTokens(bos >= 0 ? t.piece(bos) : template.bosToken(),
                eos >= 0 ? t.piece(eos) : template.eosToken());
    }

    @Override
    public GenerationConfig generationConfig() {
        return GenerationConfig.fromGguf(file);
    }

    @Override
    public Runnable handOver() {
        handedOver = true;
        return file.unmapper();
    }

    @Override
    public void close() {
        if (!handedOver) {
            file.close();
        }
    }
}
