package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.guard.LlamaGuard;
import dev.llama3j.deberta.PromptGuard;
import dev.llama3j.guard.ModerationMode;
import dev.llama3j.guard.PromptScreen;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.server.OpenAiServer;
import dev.llama3j.server.ServerOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama3j serve}: the OpenAI-compatible HTTP server. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over an OpenAI-compatible HTTP API: /v1/chat/completions, /v1/completions,",
            "/v1/models, /tokenize, /detokenize, /health, /metrics, and /v1/moderations with --guard.",
            "Ctrl-C stops it gracefully."})
final class ServeCommand implements Callable<Integer> {
    /** Helidon logs each start and stop at INFO; we print our own one line. Held so the level sticks. */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");

    /** The running server, so that tests can stop it as a signal would. */
    static final AtomicReference<OpenAiServer> RUNNING = new AtomicReference<>();

    /**
     * Prompt chunks of 64 tokens: the chunk the engine already uses while others generate. On 2 cores
     * a 1B Q4_0 step of 64 tokens takes about 0.7-1 s, one of 256 about 3-5 s, for nearly the same
     * prompt speed; the CLI's one-user commands keep 256.
     */
    static final int DEFAULT_BATCH_SIZE = 64;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    LoraCliOptions lora = new LoraCliOptions();

    @Option(names = "--host", paramLabel = "ADDR",
            description = "Address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for all)")
    String host = ServerOptions.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "N", description = "TCP port (default 8080; 0 picks a free one)")
    int port = ServerOptions.DEFAULT_PORT;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N",
            description = "Sequences generated together (continuous batching slots; default 4)")
    int parallel = 4;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N",
            description = {"Tokens per forward pass (default " + DEFAULT_BATCH_SIZE + ", or --parallel if larger): the longest prompt chunk one step takes."
                + " A step cannot be interrupted, so a new request waits for the step under way and then for its"
                + " own: this bounds its time to first token while a long prompt is read. Larger reads long"
                + " prompts a little faster."})
    Integer batchSize;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every request but /health"
                    + " (default: the LLAMA3J_API_KEY environment variable, if set)")
    String apiKey = System.getenv("LLAMA3J_API_KEY");

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model id clients use and /v1/models lists (default: the model's file or folder name)")
    String servedModelName;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS",
            description = "On shutdown, how long running requests may finish before they are cancelled (default 30)")
    int shutdownGrace = 30;

    @Option(names = "--guard", paramLabel = "PATH",
            description = {"A Llama Guard 3 model for POST /v1/moderations and --moderate. Without --model it is"
                + " the only model: it also answers chat and text completions (with its own verdicts)."})
    Path guard;

    @Option(names = "--moderate", paramLabel = "WHAT",
            description = {"Check chat completions with the --guard model: input (a flagged prompt gets HTTP 400,"
                + " code content_filter), output (a flagged answer is withheld, finish_reason content_filter;"
                + " streamed answers are held back and sent after the check at their end), or both"})
    String moderate;

    @Option(names = "--prompt-guard", paramLabel = "DIR",
            description = {"A Prompt Guard model folder: each chat request is checked before generation (user messages"
                + " by their jailbreak score, tool and ipython messages by their injection score); one that reaches"
                + " its threshold gets HTTP 400, code content_filter"})
    Path promptGuard;

    @Option(names = "--jailbreak-threshold", paramLabel = "P",
            description = "With --prompt-guard: the jailbreak score (0-1) at which a user message is refused (default "
                    + PromptScreen.DEFAULT_JAILBREAK_THRESHOLD + ")")
    Double jailbreakThreshold;

    @Option(names = "--injection-threshold", paramLabel = "P",
            description = "With --prompt-guard: the injection score (0-1) at which a tool result is refused (default "
                    + PromptScreen.DEFAULT_INJECTION_THRESHOLD + ")")
    Double injectionThreshold;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new InvalidRequestException("--port must be between 0 and 65535, got " + port);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new InvalidRequestException("--api-key must not be empty");
        }
        if (shutdownGrace < 0) {
            throw new InvalidRequestException("--shutdown-grace must be at least 0, got " + shutdownGrace);
        }
        if (servedModelName != null && servedModelName.isBlank()) {
            throw new InvalidRequestException("--served-model-name must not be empty");
        }
        ModerationMode moderation = moderate == null ? null : ModerationMode.parse(moderate);
        if (moderation != null && guard == null) {
            throw new InvalidRequestException("--moderate needs a guard model: add --guard GUARD", "moderate");
        }
        if (promptGuard == null && (jailbreakThreshold != null || injectionThreshold != null)) {
            throw new InvalidRequestException((jailbreakThreshold != null ? "--jailbreak-threshold" : "--injection-threshold")
                    + " needs a Prompt Guard model: add --prompt-guard DIR", "prompt-guard");
        }
        if (promptGuard != null && !Files.isDirectory(promptGuard)) {
            throw new InvalidRequestException("--prompt-guard " + promptGuard + ": no such folder (Prompt Guard's"
                    + " Hugging Face folder: config.json, model.safetensors, tokenizer.json or spm.model)", "prompt-guard");
        }
        // Checked before any model loads (PromptScreen checks them again).
        double jailbreakAt = threshold(jailbreakThreshold, PromptScreen.DEFAULT_JAILBREAK_THRESHOLD,
                "jailbreak-threshold");
        double injectionAt = threshold(injectionThreshold, PromptScreen.DEFAULT_INJECTION_THRESHOLD,
                "injection-threshold");
        LoraOptions adapters = lora.options();
        if (adapters.mode() == LoraMode.MERGED) {
            throw new InvalidRequestException("serve keeps the base model available, so it applies adapters unmerged;"
                    + " to serve a merged model, write it with convert --lora", "lora-mode");
        }
        adapters = new LoraOptions(adapters.adapters(), LoraMode.UNMERGED);
        boolean guardOnly = guard != null && model.model == null;
        Path path = guardOnly ? guard : model.modelPath();
        String name = servedModelName != null ? servedModelName : defaultName(path);
        for (LoraSpec spec : adapters.adapters()) {
            if (spec.name().equals(name) || spec.name().equals("base")) {
                throw new InvalidRequestException("the LoRA adapter '" + spec.name() + "' would be unreachable: '"
                        + spec.name() + "' names the base model here; name the adapter otherwise (NAME=DIR)", "lora");
            }
        }
        ServerOptions options = ServerOptions.defaults(name).withHost(host).withPort(port).withApiKey(apiKey)
                .withShutdownGrace(Duration.ofSeconds(shutdownGrace));
        int batch = batchSize != null ? batchSize : Math.max(DEFAULT_BATCH_SIZE, parallel);
        if (batch < parallel) {
            throw new InvalidRequestException("--batch-size must be at least --parallel (" + parallel + "), got "
                    + batch);
        }
        Llama llama = Llama.load(path,
                model.options().withParallel(parallel).withMaxBatchTokens(batch).withLora(adapters));
        PromptGuard promptGuardModel = null;
        if (promptGuard != null) {
            // Outside the binding step below, so that its errors keep their own message.
            try {
                promptGuardModel = PromptGuard.load(promptGuard, model.threads);
            } catch (RuntimeException e) {
                llama.close();
                throw e;
            }
        }
        Llama guardLlama = null;
        LlamaGuard guardModel = null;
        OpenAiServer server;
        // Quiet while binding (a failure is reported as one error line), warnings only afterwards.
        HELIDON_LOG.setLevel(Level.OFF);
        try {
            if (guard != null) {
                guardLlama = guardOnly ? llama : Llama.load(guard,
                        model.options().withParallel(parallel).withMaxBatchTokens(batch));
                guardModel = LlamaGuard.of(guardLlama);
            }
            PromptScreen screen = promptGuardModel == null ? null
                    : new PromptScreen(promptGuardModel, jailbreakAt, injectionAt);
            server = OpenAiServer.start(llama, options, guardModel, moderation, screen);
        } catch (Llama3jException e) {
            close(llama, guardLlama, promptGuardModel);
            throw e;
        } catch (RuntimeException e) {
            close(llama, guardLlama, promptGuardModel);
            throw new Llama3jException("cannot listen on " + host + ":" + port + ": " + rootMessage(e));
        } finally {
            HELIDON_LOG.setLevel(Level.WARNING);
        }
        RUNNING.set(server);
        Llama guardToClose = guardLlama;
        PromptGuard promptGuardToClose = promptGuardModel;
        Thread hook = new Thread(() -> stop(server, llama, guardToClose, promptGuardToClose), "llama3j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        err.printf("llama3j serving %s at %s/v1 (%d parallel, context %d tokens%s%s%s%s)%n", name, server.baseUrl(),
                parallel, llama.engine().options().contextSize(), apiKey != null ? ", API key required" : "",
                llama.adapters().isEmpty() ? "" : ", LoRA adapters " + String.join(", ", llama.adapters()),
                guard == null ? "" : ", guard " + guard.getFileName() + (moderation == null ? ""
                        : " moderating " + moderation.name().toLowerCase(java.util.Locale.ROOT)),
                promptGuard == null ? "" : ", prompt guard " + promptGuard.toAbsolutePath().normalize().getFileName()
                        + " (jailbreak " + jailbreakAt + ", injection " + injectionAt + ")");
        server.awaitShutdown();
        // Stopped by a test (not a signal): finish the job here.
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            close(llama, guardToClose, promptGuardToClose);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is exiting: the hook closes the model.
        }
        RUNNING.compareAndSet(server, null);
        return 0;
    }

    private static void stop(OpenAiServer server, Llama llama, Llama guard, PromptGuard promptGuard) {
        System.err.println("llama3j: shutting down (running requests get the grace period to finish)");
        server.close();
        close(llama, guard, promptGuard);
    }

    /**
     * The chat model, a separate guard model (the same object when the guard is the only model) and
     * Prompt Guard (or null).
     */
    private static void close(Llama llama, Llama guard, PromptGuard promptGuard) {
        llama.close();
        if (guard != null && guard != llama) {
            guard.close();
        }
        if (promptGuard != null) {
            promptGuard.close();
        }
    }

    /** A threshold flag's value (a probability in [0, 1]), or its default when not given. */
    private static double threshold(Double value, double byDefault, String name) {
        return value == null ? byDefault : PromptScreen.checkThreshold(value, name);
    }

    static String defaultName(Path model) {
        Path file = model.toAbsolutePath().normalize().getFileName();
        String n = file == null ? "llama3j" : file.toString();
        return n.endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
