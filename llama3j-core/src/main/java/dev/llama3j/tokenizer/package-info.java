/**
 * The Llama 3 tokenizer: {@link dev.llama3j.tokenizer.Tokenizer} (load, encode, decode, lookups) and
 * {@link dev.llama3j.tokenizer.StreamingDecoder} (text of generated tokens as they come).
 *
 * <p>Encoding runs in three steps: special tokens are cut out of the text ({@code SpecialTokens}),
 * the rest is split into word-like pieces by Llama 3's regex ({@code PreTokenizer}), and each piece's
 * UTF-8 bytes are merged into tokens ({@code BytePairEncoder}). Vocabulary entries are written in
 * GPT-2's byte-to-character form ({@code ByteLevel}); decoding maps them back to bytes and then to
 * text ({@code Utf8}), replacing invalid UTF-8 with U+FFFD as Hugging Face does.
 */
package dev.llama3j.tokenizer;
