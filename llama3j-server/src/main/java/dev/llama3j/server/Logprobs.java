package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.tokenizer.Tokenizer;
import java.util.List;

/**
 * Log-probabilities in OpenAI's two shapes: chat's {@code {"content": [{token, logprob, bytes,
 * top_logprobs}]}} and the legacy completions' {@code {tokens, token_logprobs, top_logprobs,
 * text_offset}}. The token that ended the turn is left out, as OpenAI does.
 */
final class Logprobs {
    private final Tokenizer tokenizer;
    private final int[] stopIds;

    Logprobs(Tokenizer tokenizer, int[] stopIds) {
        this.tokenizer = tokenizer;
        this.stopIds = stopIds.clone();
    }

    /** Whether this event is a generated token to report (not a text flush, not the stop token). */
    boolean reportable(TokenEvent e) {
        if (e.token() < 0 || Float.isNaN(e.logprob())) {
            return false;
        }
        for (int s : stopIds) {
            if (s == e.token()) {
                return false;
            }
        }
        return true;
    }

    /** Chat: one {@code content} entry per reportable event. */
    void addChatEntries(ArrayNode content, List<TokenEvent> events) {
        for (TokenEvent e : events) {
            if (!reportable(e)) {
                continue;
            }
            ObjectNode o = content.addObject();
            putToken(o, e.token(), e.logprob());
            ArrayNode top = o.putArray("top_logprobs");
            if (e.topTokens() != null) {
                for (int i = 0; i < e.topTokens().length; i++) {
                    putToken(top.addObject(), e.topTokens()[i], e.topLogprobs()[i]);
                }
            }
        }
    }

    ObjectNode chat(List<TokenEvent> events) {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        addChatEntries(o.putArray("content"), events);
        return o;
    }

    /** Legacy completions shape; {@code textOffset} is where the choice's text starts. */
    ObjectNode completion(List<TokenEvent> events, int textOffset) {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode lps = o.putArray("token_logprobs");
        ArrayNode tops = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        int offset = textOffset;
        for (TokenEvent e : events) {
            if (!reportable(e)) {
                continue;
            }
            String text = tokenText(e.token());
            tokens.add(text);
            lps.add(finite(e.logprob()));
            offsets.add(offset);
            offset += text.length();
            ObjectNode top = tops.addObject();
            if (e.topTokens() != null) {
                for (int i = 0; i < e.topTokens().length; i++) {
                    top.put(tokenText(e.topTokens()[i]), finite(e.topLogprobs()[i]));
                }
            }
        }
        return o;
    }

    private void putToken(ObjectNode o, int id, float logprob) {
        o.put("token", tokenText(id));
        o.put("logprob", finite(logprob));
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : tokenizer.tokenBytes(id)) {
            bytes.add(b & 0xff);
        }
    }

    /** JSON has no infinities; OpenAI reports an impossible token as -9999. */
    static float finite(float lp) {
        return Float.isFinite(lp) ? lp : -9999f;
    }

    private String tokenText(int id) {
        return tokenizer.decode(new int[] {id}, false);
    }
}
