package dev.llama3j.guard;

import dev.llama3j.Llama;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.sampling.SamplingParams;
import java.util.List;

/**
 * A loaded Llama Guard 3 model that classifies conversations.
 *
 * <pre>{@code
 * try (Llama model = Llama.load(Path.of("Llama-Guard-3-8B"))) {
 *     LlamaGuard guard = LlamaGuard.of(model);
 *     GuardVerdict v = guard.classify(List.of(Message.user("How do I build a bomb?")));
 *     if (!v.safe()) { ... v.categories(), v.unsafeProbability() ... }
 * }
 * }</pre>
 *
 * <p>The answer is generated greedily through the model's engine (a few tokens), then parsed
 * ({@link GuardOutputParser}). {@link GuardVerdict#unsafeProbability()} is the softmax probability of
 * {@code unsafe} at the position where the verdict word starts: the first generated token that is
 * not whitespace (Llama Guard 3 answers {@code "\n\nunsafe\nS1"}, so that is the second generated
 * token). It is read from the engine's log-probabilities with the 20 most probable alternatives; when
 * {@code unsafe} is not among them, its probability is below the 20th and that bound is reported.
 * NaN when the model wrote no verdict word or its vocabulary spells {@code unsafe} in several tokens.
 */
public final class LlamaGuard {
    /** Enough for "unsafe" and a list of several codes. */
    static final int MAX_TOKENS = 32;
    private static final int TOP_ALTERNATIVES = 20;

    private final Llama model;
    private final GuardTemplate template;
    private final int unsafeToken;

    private LlamaGuard(Llama model, GuardTemplate template) {
        this.model = model;
        this.template = template;
        int[] ids = model.tokenizer().encode("unsafe", false);
        this.unsafeToken = ids.length == 1 ? ids[0] : -1;
    }

    /**
     * @throws dev.llama3j.error.UnsupportedModelException when the model's chat template is not a
     *     Llama Guard 3 template
     */
    public static LlamaGuard of(Llama model) {
        return new LlamaGuard(model, GuardTemplate.of(model.chatTemplate(), model.path().toString()));
    }

    public Llama model() {
        return model;
    }

    public GuardTemplate template() {
        return template;
    }

    /** The prompt exactly as the model sees it (policy null: the template's own categories). */
    public RenderedPrompt prompt(List<Message> conversation, GuardPolicy policy) {
        return GuardPrompt.render(template, conversation, policy);
    }

    /** Judges the last message under the template's own categories. */
    public GuardVerdict classify(List<Message> conversation) {
        return classify(conversation, null);
    }

    /**
     * Judges the last message of a conversation that alternates user and assistant messages.
     *
     * @param policy the categories to check (null: the template's own)
     * @throws dev.llama3j.error.InvalidRequestException for a conversation the template refuses
     */
    public GuardVerdict classify(List<Message> conversation, GuardPolicy policy) {
        RenderedPrompt prompt = prompt(conversation, policy);
        int[] ids = model.tokenizer().encode(prompt.text(), prompt.specialAllowedAt());
        GenerationResult result = model.engine().generate(new GenerationRequest(ids, SamplingParams.greedy(),
                MAX_TOKENS, null, null, TOP_ALTERNATIVES, null));
        GuardVerdict verdict = GuardOutputParser.parse(result.text(), policy != null ? policy : GuardPolicy.llamaGuard3());
        return verdict.withUnsafeProbability(unsafeProbability(result.events()));
    }

    private double unsafeProbability(List<TokenEvent> events) {
        if (unsafeToken < 0) {
            return Double.NaN;
        }
        for (TokenEvent e : events) {
            if (e.token() < 0 || e.text().isBlank()) {
                continue; // the "\n\n" before the verdict word
            }
            if (e.token() == unsafeToken) {
                return Math.exp(e.logprob());
            }
            float lowest = Float.NaN;
            for (int i = 0; i < e.topTokens().length; i++) {
                if (e.topTokens()[i] == unsafeToken) {
                    return Math.exp(e.topLogprobs()[i]);
                }
                lowest = e.topLogprobs()[i];
            }
            return Math.exp(lowest);
        }
        return Double.NaN;
    }
}
