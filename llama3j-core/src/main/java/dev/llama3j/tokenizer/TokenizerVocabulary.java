package dev.llama3j.tokenizer;

import java.util.List;

/**
 * A tokenizer's vocabulary in the form GGUF stores it ({@code tokenizer.ggml.tokens},
 * {@code tokenizer.ggml.token_type}, {@code tokenizer.ggml.merges}): what {@link Tokenizer#readVocabulary}
 * returns and {@link Tokenizer#fromVocabulary} takes.
 *
 * @param tokens every token's text by id, BPE tokens in GPT-2's byte-to-unicode form ({@code "Ġthe"})
 * @param tokenTypes a {@link TokenType} per id
 * @param merges the merges in rank order, each {@code "left right"}
 * @param bosId the BOS id, or -1
 * @param eosId the EOS id ({@code tokenizer_config.json}'s {@code eos_token}), or -1
 */
public record TokenizerVocabulary(List<String> tokens, int[] tokenTypes, List<String> merges, int bosId, int eosId) {
    public int size() {
        return tokens.size();
    }

    /** The id of the token whose text is {@code text}, or -1 (searched from the end, where special tokens are). */
    public int idOf(String text) {
        for (int id = tokens.size() - 1; id >= 0; id--) {
            if (tokens.get(id).equals(text)) {
                return id;
            }
        }
        return -1;
    }
}
