package dev.llama3j.deberta;

/**
 * Prompt Guard's verdict on one text, scored like Meta's reference: the label probabilities are
 * {@code softmax(logits / temperature)}; the jailbreak score is P(JAILBREAK), the indirect-injection
 * score P(INJECTION) + P(JAILBREAK). A text longer than one window is scored per window and each score
 * is the highest over the windows; the three probabilities are those of the window with the highest
 * injection score.
 *
 * @param windows how many model inputs the text took
 */
public record PromptGuardScores(
        double benign, double injection, double jailbreak, double jailbreakScore, double injectionScore, int windows) {}
