package dev.llama3j.datagen;

import dev.llama3j.ChatListener;
import dev.llama3j.ChatRequest;
import dev.llama3j.ChatResponse;
import dev.llama3j.Llama;
import dev.llama3j.chat.Message;
import dev.llama3j.sampling.SamplingParams;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A model loaded in this JVM: every request goes to the shared engine through {@link Llama#chat},
 * which queues it and decodes it together with all others in flight (continuous batching).
 */
public final class LocalChatBackend implements ChatBackend {
    private final Llama llama;
    private final String adapter;
    private final SamplingParams sampling;
    private final int maxTokens;
    private final String name;

    /**
     * @param adapter the name of a LoRA adapter loaded with {@code llama}, or null for the base model
     */
    public LocalChatBackend(Llama llama, String adapter, SamplingParams sampling, int maxTokens, String name) {
        this.llama = llama;
        this.adapter = adapter;
        this.sampling = sampling;
        this.maxTokens = maxTokens;
        this.name = name;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public CompletableFuture<ChatResult> submit(List<Message> messages) {
        CompletableFuture<ChatResult> result = new CompletableFuture<>();
        ChatRequest request = ChatRequest.of(messages).withSampling(sampling).withMaxTokens(maxTokens).withAdapter(adapter);
        try {
            llama.chat(request, new ChatListener() {
                @Override
                public void onFinish(ChatResponse response) {
                    result.complete(new ChatResult(response.content(), response.promptTokens(),
                            response.completionTokens()));
                }

                @Override
                public void onError(Throwable error) {
                    result.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }
}
