package dev.llama3j.guard;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.Role;
import dev.llama3j.deberta.PromptGuard;
import dev.llama3j.deberta.PromptGuardScores;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Prompt Guard in front of a chat turn, as Meta's model card suggests using it: the user's messages are
 * checked for jailbreaks (their jailbreak score), third-party text (tool results, {@code ipython}
 * messages) for injected instructions (their injection score, P(INJECTION) + P(JAILBREAK)). System and
 * assistant messages are the developer's and the model's own, so they are not scored. A message is
 * flagged when its score reaches (is at least) its threshold.
 */
public final class PromptScreen {
    /** The threshold of Meta's examples and of the common Prompt Guard wrappers for both scores. */
    public static final double DEFAULT_JAILBREAK_THRESHOLD = 0.5;
    public static final double DEFAULT_INJECTION_THRESHOLD = 0.5;

    private final PromptGuard guard;
    private final double jailbreakThreshold;
    private final double injectionThreshold;

    /** @throws InvalidRequestException when a threshold is not a number in [0, 1] */
    public PromptScreen(PromptGuard guard, double jailbreakThreshold, double injectionThreshold) {
        this.guard = guard;
        this.jailbreakThreshold = checkThreshold(jailbreakThreshold, "jailbreak-threshold");
        this.injectionThreshold = checkThreshold(injectionThreshold, "injection-threshold");
    }

    /**
     * {@code t} when it is a probability in [0, 1].
     *
     * @param name the threshold's name ({@code jailbreak-threshold}, {@code injection-threshold}), for the message
     */
    public static double checkThreshold(double t, String name) {
        if (!(t >= 0 && t <= 1)) {
            throw new InvalidRequestException("--" + name + " must be a probability between 0 and 1, got " + t, name);
        }
        return t;
    }

    public double jailbreakThreshold() {
        return jailbreakThreshold;
    }

    public double injectionThreshold() {
        return injectionThreshold;
    }

    /**
     * A message that reached its threshold: {@code index} in the conversation, its role, which score
     * ({@code jailbreak} or {@code injection}), the score and the threshold.
     */
    public record Finding(int index, Role role, String score, double value, double threshold) {
        /** E.g. {@code messages[2] (role tool): injection score 0.8265 reaches the threshold 0.5}. */
        public String describe() {
            return String.format(Locale.ROOT, "messages[%d] (role %s): %s score %.4f reaches the threshold %s", index,
                    role.wireName(), score, value, threshold);
        }
    }

    /** The first message, in order, whose score reaches its threshold; empty when none does. */
    public Optional<Finding> check(List<Message> conversation) {
        for (int i = 0; i < conversation.size(); i++) {
            Message m = conversation.get(i);
            boolean user = m.role() == Role.USER;
            boolean thirdParty = m.role() == Role.TOOL || m.role() == Role.IPYTHON;
            String text = user || thirdParty ? textOf(m) : null;
            if (text == null || text.isEmpty()) {
                continue;
            }
            PromptGuardScores s = score(text);
            if (user && s.jailbreakScore() >= jailbreakThreshold) {
                return Optional.of(new Finding(i, m.role(), "jailbreak", s.jailbreakScore(), jailbreakThreshold));
            }
            if (thirdParty && s.injectionScore() >= injectionThreshold) {
                return Optional.of(new Finding(i, m.role(), "injection", s.injectionScore(), injectionThreshold));
            }
        }
        return Optional.empty();
    }

    /** The model runs one text at a time on its worker pool (which is not reentrant), so requests take turns. */
    private PromptGuardScores score(String text) {
        synchronized (guard) {
            return guard.scores(text);
        }
    }

    /** A tool result may be JSON (an object): it is scored as the compact JSON the model would read. */
    private static String textOf(Message m) {
        Object content = m.content();
        if (content == null || content instanceof String) {
            return (String) content;
        }
        return Json.writeCompact(content);
    }
}
