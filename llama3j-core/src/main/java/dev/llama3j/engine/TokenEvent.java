package dev.llama3j.engine;

/**
 * One generated token as it is produced.
 *
 * @param token the id
 * @param text the new text this token completes (empty while a UTF-8 character or a possible stop
 *     string is still incomplete; special tokens that end the turn add no text)
 * @param logprob the token's log-probability under the raw model distribution, or NaN if not asked
 * @param topTokens the most probable alternatives (length = the request's topLogprobs), or null
 * @param topLogprobs their log-probabilities, or null
 */
public record TokenEvent(int token, String text, float logprob, int[] topTokens, float[] topLogprobs) {}
