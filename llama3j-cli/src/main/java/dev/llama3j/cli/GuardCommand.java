package dev.llama3j.cli;

import dev.llama3j.Llama;
import dev.llama3j.chat.Message;
import dev.llama3j.deberta.PromptGuard;
import dev.llama3j.deberta.PromptGuardScores;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.guard.GuardCategory;
import dev.llama3j.guard.GuardPolicy;
import dev.llama3j.guard.GuardPrompt;
import dev.llama3j.guard.GuardTemplate;
import dev.llama3j.guard.GuardVerdict;
import dev.llama3j.guard.LlamaGuard;
import dev.llama3j.json.Json;
import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llama3j guard}: a Llama Guard 3 verdict on the last message of a conversation, or with
 * {@code --prompt-guard} Prompt Guard's jailbreak and injection scores for a text.
 */
@Command(name = "guard", mixinStandardHelpOptions = true,
        description = {"Classify the last message of a conversation with a Llama Guard 3 model: safe, or unsafe "
                + "with the violated categories, and the probability of \"unsafe\".",
                "With --prompt-guard PG --text TEXT: Prompt Guard's probabilities of BENIGN, INJECTION and JAILBREAK "
                + "and its jailbreak and indirect-injection scores, as JSON.",
                "Exit code 0 for a verdict (safe or unsafe), 1 when the model's answer is neither, 2 for bad input."})
final class GuardCommand implements Callable<Integer> {
    /** The model wrote something that is neither "safe" nor "unsafe" with known codes. */
    static final int EXIT_UNPARSEABLE = 1;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--messages", paramLabel = "FILE",
            description = "JSON file: an array of user/assistant messages (or {\"messages\": [...]}), alternating, "
                    + "user first; the last one is judged")
    Path messages;

    @Option(names = "--categories", paramLabel = "FILE",
            description = "JSON policy: {\"categories\": [{\"code\", \"name\", \"definition\"}], "
                    + "\"excluded_category_keys\": [...]} (default: the model template's own list)")
    Path categories;

    @Option(names = "--json", description = "Print {\"safe\", \"categories\", \"unsafe_probability\"} as JSON")
    boolean json;

    @Option(names = "--print-prompt", description = "Print the prompt exactly as the model sees it, and stop")
    boolean printPrompt;

    @Option(names = "--prompt-guard", paramLabel = "DIR",
            description = "Prompt Guard model folder (config.json, model.safetensors, tokenizer.json or spm.model): "
                    + "score --text instead of running Llama Guard")
    Path promptGuard;

    @Option(names = "--text", paramLabel = "TEXT", description = "The text Prompt Guard scores")
    String text;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Prompt Guard's softmax temperature (default: ${DEFAULT-VALUE})")
    double temperature = 1.0;

    @Override
    public Integer call() {
        if (promptGuard != null || text != null) {
            return scoreWithPromptGuard();
        }
        if (messages == null) {
            throw new InvalidRequestException("guard needs --messages FILE (Llama Guard) or --prompt-guard DIR --text TEXT",
                    "messages");
        }
        if (model.model == null) {
            throw new InvalidRequestException("guard needs --model with a Llama Guard 3 model, e.g. "
                    + "models/tiny-llama-guard-3", "model");
        }
        List<Message> conversation = readConversation(messages);
        GuardPolicy policy = categories == null ? null : GuardPolicy.fromJson(Json.parseFile(categories));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (printPrompt) {
            // The template only: no weights to load.
            try (ModelSource source = ModelSources.open(model.modelPath())) {
                GuardTemplate template = GuardTemplate.of(source.chatTemplate(), model.modelPath().toString());
                out.print(GuardPrompt.render(template, conversation, policy).text());
                out.flush();
            }
            return 0;
        }
        GuardVerdict verdict;
        try (Llama llama = model.load()) {
            verdict = LlamaGuard.of(llama).classify(conversation, policy);
        }
        if (json) {
            out.println(Json.write(toJson(verdict), -1, false));
        } else {
            out.println(describe(verdict));
        }
        return verdict.kind() == GuardVerdict.Kind.UNPARSEABLE ? EXIT_UNPARSEABLE : 0;
    }

    private int scoreWithPromptGuard() {
        if (promptGuard == null || text == null) {
            throw new InvalidRequestException("Prompt Guard needs both --prompt-guard DIR and --text TEXT",
                    promptGuard == null ? "prompt-guard" : "text");
        }
        if (messages != null || model.model != null || categories != null || printPrompt) {
            throw new InvalidRequestException("--prompt-guard scores --text alone; --messages, --model, --categories and "
                    + "--print-prompt belong to Llama Guard", "prompt-guard");
        }
        PromptGuardScores s;
        try (PromptGuard pg = PromptGuard.load(promptGuard, model.threads)) {
            s = pg.scores(text, temperature);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("benign", round(s.benign()));
        o.put("injection", round(s.injection()));
        o.put("jailbreak", round(s.jailbreak()));
        o.put("jailbreak_score", round(s.jailbreakScore()));
        o.put("injection_score", round(s.injectionScore()));
        o.put("windows", s.windows());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println(Json.write(o, -1, false));
        return 0;
    }

    static List<Message> readConversation(Path file) {
        Object json = Json.parseFile(file);
        if (json instanceof Map<?, ?> m && m.containsKey("messages")) {
            json = m.get("messages");
        }
        if (!(json instanceof List<?>)) {
            throw new InvalidRequestException(file + ": expected an array of messages or {\"messages\": [...]}, not "
                    + Json.describe(json), "messages");
        }
        try {
            return Message.listFromJson(json);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(file + ": " + e.getMessage(), e.param());
        }
    }

    static Map<String, Object> toJson(GuardVerdict v) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("safe", v.safe());
        List<Object> cats = new ArrayList<>();
        for (GuardCategory c : v.categories()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", c.code());
            m.put("name", c.name());
            cats.add(m);
        }
        o.put("categories", cats);
        o.put("unsafe_probability", Double.isNaN(v.unsafeProbability()) ? null : round(v.unsafeProbability()));
        if (v.kind() == GuardVerdict.Kind.UNPARSEABLE) {
            o.put("unparseable_output", v.rawOutput());
        }
        return o;
    }

    private static double round(double p) {
        return Math.round(p * 1e6) / 1e6;
    }

    private static String describe(GuardVerdict v) {
        String p = Double.isNaN(v.unsafeProbability()) ? "" : String.format(" (unsafe probability %.4f)", v.unsafeProbability());
        return switch (v.kind()) {
            case SAFE -> "safe" + p;
            case UNSAFE -> {
                StringBuilder sb = new StringBuilder("unsafe");
                for (GuardCategory c : v.categories()) {
                    sb.append(sb.length() == 6 ? ": " : ", ").append(c.code()).append(' ').append(c.name());
                }
                yield sb + p;
            }
            case UNPARSEABLE -> "unparseable answer (treated as not safe): " + Json.write(v.rawOutput(), -1, false) + p;
        };
    }
}
