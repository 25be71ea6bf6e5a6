package dev.llama3j.datagen;

/**
 * One answer of a {@link ChatBackend}.
 *
 * @param text the assistant's content
 * @param promptTokens tokens of the prompt
 * @param completionTokens tokens generated
 */
public record ChatResult(String text, int promptTokens, int completionTokens) {}
