package dev.llama3j.train;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.chat.Role;
import dev.llama3j.chat.jinja.TemplateException;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one data record into a {@link TrainingExample}: token ids and which of them the loss counts.
 *
 * <p>Conversations ({@code messages}) are rendered with the model's chat template, as
 * {@code apply_chat_template} does with no {@code date_string} (the template's default date, so the
 * same conversation always gives the same tokens). The loss counts each assistant message's tokens: the
 * tokens that the model writes after the generation prompt of the conversation so far, that is the
 * message's content and the {@code <|eot_id|>} (or {@code <|eom_id|>}) that ends it. Found by rendering
 * the conversation up to each assistant message with and without it, which is what TRL's
 * {@code assistant_only_loss} marks with a template's {@code {% generation %}} block and what its
 * completion-only collator finds between the assistant header and the next user header. Headers,
 * system, user and tool messages are context only. Checked against TRL 1.13's SFTTrainer
 * ({@code TrlParityTest}): the same tokens and labels as {@code assistant_only_loss} with TRL's Llama 3
 * training-template patch applied to the 3.1 template (TRL 1.13 patches only the Llama 3 one and refuses
 * the 3.1 template), and as TRL's conversational prompt–completion format.
 *
 * <p>Prompt–completion pairs are BOS, the prompt, the completion and EOS (the tokenizer's
 * {@code eos_token}), the loss counting the completion and EOS, as TRL's prompt–completion format does.
 * Prompt and completion are encoded apart, so the boundary is a token boundary: a deliberate
 * difference from TRL, which encodes prompt + completion as one text and masks as many tokens as the
 * prompt alone has. Both agree whenever the completion starts a new word (" Paris", a space or
 * punctuation first); where a word runs across the boundary the joint text tokenizes differently and
 * TRL's mask, counted in prompt tokens, can be a token off (it warns of the mismatch), while here the
 * completion's own tokens are learned.
 *
 * <p>Message, prompt and completion text is data: special-token text in it stays plain text, as in
 * chat requests.
 */
public final class ExampleEncoder {
    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public ExampleEncoder(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    /**
     * A conversation with at least one assistant message, which may not be the first.
     *
     * @throws InvalidRequestException when the conversation has nothing to learn or cannot be rendered
     */
    public TrainingExample conversation(List<Message> messages) {
        if (messages.isEmpty()) {
            throw new InvalidRequestException("messages is empty", "messages");
        }
        boolean any = false;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.role() != Role.ASSISTANT) {
                continue;
            }
            if (i == 0) {
                throw new InvalidRequestException("messages[0] is an assistant message: a conversation starts with"
                        + " a system or user message", "messages");
            }
            if (m.text().isBlank() && m.toolCalls().isEmpty()) {
                throw new InvalidRequestException("messages[" + i + "] is an assistant message without content",
                        "messages");
            }
            any = true;
        }
        if (!any) {
            throw new InvalidRequestException("no assistant message: nothing to learn (the loss counts assistant"
                    + " messages only)", "messages");
        }
        int[] ids = encode(messages, false);
        boolean[] targets = new boolean[ids.length];
        for (int i = 1; i < messages.size(); i++) {
            if (messages.get(i).role() != Role.ASSISTANT) {
                continue;
            }
            int start = prefixLength(ids, encode(messages.subList(0, i), true), i);
            int end = prefixLength(ids, encode(messages.subList(0, i + 1), false), i);
            Arrays.fill(targets, start, end, true);
        }
        return new TrainingExample(ids, targets);
    }

    /**
     * A prompt and its completion, both non-empty text.
     */
    public TrainingExample promptCompletion(String prompt, String completion) {
        int[] p = tokenizer.encode(prompt, false);
        int[] c = tokenizer.encode(completion, false);
        int bos = tokenizer.bosId().orElseThrow(() -> new InvalidRequestException(
                "the tokenizer has no BOS token", "data"));
        boolean eos = tokenizer.eosId().isPresent();
        int n = 1 + p.length + c.length + (eos ? 1 : 0);
        int[] ids = new int[n];
        boolean[] targets = new boolean[n];
        ids[0] = bos;
        System.arraycopy(p, 0, ids, 1, p.length);
        System.arraycopy(c, 0, ids, 1 + p.length, c.length);
        if (eos) {
            ids[n - 1] = tokenizer.eosId().getAsInt();
        }
        Arrays.fill(targets, 1 + p.length, n, true);
        return new TrainingExample(ids, targets);
    }

    private int[] encode(List<Message> messages, boolean generationPrompt) {
        RenderOptions options = RenderOptions.defaults().dateString(null).addGenerationPrompt(generationPrompt);
        RenderedPrompt p;
        try {
            p = template.render(messages, null, options);
        } catch (TemplateException e) {
            throw new InvalidRequestException("the chat template could not render this conversation: "
                    + e.getMessage(), "messages");
        }
        return tokenizer.encode(p.text(), p.specialAllowedAt());
    }

    /** The length of {@code prefix}, checked to be how {@code ids} begins. */
    private static int prefixLength(int[] ids, int[] prefix, int message) {
        if (prefix.length > ids.length || !Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new InvalidRequestException("the chat template renders the conversation up to messages[" + message
                    + "] differently from the whole conversation, so the assistant tokens cannot be found", "messages");
        }
        return prefix.length;
    }
}
