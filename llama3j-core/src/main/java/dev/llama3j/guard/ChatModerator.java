package dev.llama3j.guard;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.Role;
import java.util.List;
import java.util.Optional;

/**
 * A guard model around chat turns. A chat conversation may hold system prompts, tool results and
 * several user messages in a row, which Llama Guard's templates refuse, so the guard sees the turn
 * itself: the last user message (prompt check), and that message with the answer (answer check).
 */
public record ChatModerator(LlamaGuard guard, ModerationMode mode) {

    /** The verdict on the last user message; empty when prompts are not checked or there is no user text. */
    public Optional<GuardVerdict> checkPrompt(List<Message> conversation) {
        if (!mode.checksInput()) {
            return Optional.empty();
        }
        return lastUserText(conversation).map(u -> guard.classify(List.of(Message.user(u))));
    }

    /** The verdict on an answer to the last user message; empty when answers are not checked or it has no text. */
    public Optional<GuardVerdict> checkAnswer(List<Message> conversation, String answer) {
        if (!mode.checksOutput() || answer == null || answer.isBlank()) {
            return Optional.empty();
        }
        String user = lastUserText(conversation).orElse("");
        return Optional.of(guard.classify(List.of(Message.user(user), Message.assistant(answer))));
    }

    private static Optional<String> lastUserText(List<Message> conversation) {
        for (int i = conversation.size() - 1; i >= 0; i--) {
            Message m = conversation.get(i);
            if (m.role() == Role.USER && m.text() != null) {
                return Optional.of(m.text());
            }
        }
        return Optional.empty();
    }
}
