package dev.llama3j.datagen;

/**
 * One prompt of the input: its position in the input (0-based; the key of its output row) and the
 * instruction the generators answer.
 */
public record PromptRow(long index, String instruction) {}
