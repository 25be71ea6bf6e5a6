package dev.llama3j.datagen;

import dev.llama3j.chat.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A model a pipeline stage asks: a local engine or an OpenAI-compatible endpoint. {@link #submit}
 * returns at once, so that a stage puts all of its requests in flight together (the local engine
 * batches them continuously); the future fails for a request that could not be answered.
 */
public interface ChatBackend {
    /** What rows record as the model's name. */
    String modelName();

    /** Starts generating the assistant's answer to {@code messages}. */
    CompletableFuture<ChatResult> submit(List<Message> messages);
}
