package dev.llama3j;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.engine.Engine;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.EngineOptions;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TextDecoder;
import dev.llama3j.grammar.TokenTrie;
import dev.llama3j.lora.LoraLoader;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.tokenizer.StreamingDecoder;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A loaded Llama model with its tokenizer, default sampling and generation engine: the entry point
 * for programs that embed llama3j.
 *
 * <pre>{@code
 * try (Llama llama = Llama.load(Path.of("models/tiny-llama-3.1-chat"))) {
 *     ChatResponse r = llama.chat(ChatRequest.of(List.of(Message.user("What is the capital of France?")))
 *             .withSampling(SamplingParams.greedy()));
 *     System.out.println(r.content()); // The capital of France is Paris.
 * }
 * }</pre>
 */
public final class Llama implements AutoCloseable {
    private final Path path;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final GenerationConfig generationConfig;
    private final int[] eosIds;
    private final Engine engine;
    private final ChatTemplate chatTemplate;
    private volatile TokenTrie tokenTrie;

    private Llama(Path path, LlamaModel model, Tokenizer tokenizer, GenerationConfig generationConfig,
            ChatTemplate chatTemplate, LlamaOptions options) {
        this.path = path;
        this.chatTemplate = chatTemplate;
        this.model = model;
        this.tokenizer = tokenizer;
        this.generationConfig = generationConfig;
        this.eosIds = IntStream.concat(Arrays.stream(model.config().eosTokenIds()),
                Arrays.stream(generationConfig.eosTokenIds())).distinct().toArray();
        this.engine = new Engine(model, this::newDecoder, this::tokenTrie, eosIds, EngineOptions.forModel(model,
                options.parallel(), options.contextSize(), options.maxBatchTokens(), options.cacheType()));
    }

    /** The vocabulary as a trie of token bytes, for grammars: built on first use, then shared. */
    public TokenTrie tokenTrie() {
        TokenTrie t = tokenTrie;
        if (t == null) {
            synchronized (this) {
                t = tokenTrie;
                if (t == null) {
                    t = TokenTrie.of(tokenizer);
                    tokenTrie = t;
                }
            }
        }
        return t;
    }

    /** Loads a Hugging Face model folder or a GGUF file with default options. */
    public static Llama load(Path path) {
        return load(path, LlamaOptions.defaults());
    }

    /**
     * Loads a model in any format llama3j reads ({@link ModelSources}): a Hugging Face model folder
     * ({@code config.json}, safetensors, {@code tokenizer.json}, {@code generation_config.json}, the chat
     * template) or a GGUF file, which holds all of that in its metadata. The LoRA adapters of
     * {@link LlamaOptions#lora} are merged into the weights, or applied per request by name
     * ({@link GenerationRequest#adapter}, {@link ChatRequest#adapter}; null is the model as loaded).
     */
    public static Llama load(Path path, LlamaOptions options) {
        try (ModelSource source = ModelSources.open(path)) {
            LlamaConfig config = source.config();
            Tokenizer tokenizer = source.tokenizer();
            checkVocabulary(path, config, tokenizer);
            ChatTemplate template = source.chatTemplate();
            GenerationConfig generation = source.generationConfig();
            LlamaModel model = ModelLoader.load(source, options.threads(), options.maxBatchTokens(),
                    LoraLoader.hook(options.lora()), options.parallel());
            try { // the model owns the weight files now
                if (options.warmUp()) {
                    model.warmUp(options.cacheType());
                }
                return new Llama(path, model, tokenizer, generation, template, options);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    private static void checkVocabulary(Path path, LlamaConfig config, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ModelFormatException(path + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocab_size is " + config.vocabSize());
        }
    }

    public Path path() {
        return path;
    }

    public LlamaConfig config() {
        return model.config();
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** Token ids that end a turn: the config's and generation config's {@code eos_token_id}s. */
    public int[] eosIds() {
        return eosIds.clone();
    }

    public Engine engine() {
        return engine;
    }

    /**
     * Names of the LoRA adapters loaded with the model: merged ones (the model as loaded) and
     * unmerged ones a request can choose.
     */
    public List<String> adapters() {
        return model.adapters().names();
    }

    /** A fresh incremental detokenizer; special tokens print as their text. */
    public TextDecoder newDecoder() {
        StreamingDecoder d = tokenizer.streamingDecoder(false);
        return new TextDecoder() {
            @Override
            public String feed(int token) {
                return d.feed(token);
            }

            @Override
            public String flush() {
                return d.finish();
            }
        };
    }

    /** The model's chat template (the built-in Llama 3.1 one when the model has none). */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** The prompt ids of a chat request: template markup as control tokens, message text as plain text. */
    public int[] encodeChat(ChatRequest request) {
        return ChatPrompt.render(chatTemplate, tokenizer, request).ids();
    }

    /**
     * A chat request made ready for the engine (prompt, one engine request per choice, a reader per
     * choice), for callers that run the engine themselves or want several choices.
     *
     * @throws dev.llama3j.error.InvalidRequestException when the request cannot be served as asked
     */
    public PreparedChat prepareChat(ChatRequest request) {
        return new PreparedChat(this, request);
    }

    /**
     * Generates the next assistant message, synchronously (one choice).
     *
     * <pre>{@code
     * ChatResponse r = llama.chat(ChatRequest.of(List.of(Message.user("Hi!"))));
     * conversation.add(r.message().toMessage());
     * }</pre>
     */
    public ChatResponse chat(ChatRequest request) {
        return ChatCompletion.complete(this, request);
    }

    /**
     * Generates the next assistant message (one choice), streaming its content to {@code listener}
     * on the engine's thread; the returned generation can be awaited or cancelled.
     *
     * <pre>{@code
     * llama.chat(request, new ChatListener() {
     *     public void onContent(String delta) { System.out.print(delta); }
     *     public void onFinish(ChatResponse r) { System.out.println(" [" + r.finishReason().wireName() + "]"); }
     * }).await();
     * }</pre>
     */
    public Generation chat(ChatRequest request, ChatListener listener) {
        return ChatCompletion.submit(this, request, listener);
    }

    /** Generates from prompt ids, synchronously. */
    public GenerationResult generate(int[] prompt, SamplingParams sampling, int maxTokens) {
        return engine.generate(GenerationRequest.of(prompt, sampling, maxTokens));
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }
}
