package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /tokenize} and {@code POST /detokenize} with llama.cpp-server bodies:
 * {@code {"content", "add_special", "parse_special", "with_pieces"}} → {@code {"tokens"}}, and
 * {@code {"tokens"}} → {@code {"content"}}.
 */
final class TokenizeHandler {
    static final int MAX_DETOKENIZE_IDS = 1 << 20;

    private final ServerContext ctx;

    TokenizeHandler(ServerContext ctx) {
        this.ctx = ctx;
    }

    JsonNode tokenize(ObjectNode body) {
        Params p = new Params(body);
        String content = p.requiredString("content");
        boolean addSpecial = p.bool("add_special", false);
        boolean parseSpecial = p.bool("parse_special", true);
        boolean withPieces = p.bool("with_pieces", false);
        Tokenizer tok = ctx.llama().tokenizer();
        int[] ids = tok.encode(content, parseSpecial);
        if (addSpecial && tok.bosId().isPresent() && (ids.length == 0 || ids[0] != tok.bosId().getAsInt())) {
            ids = tok.prependBos(ids);
        }
        ObjectNode out = JsonSupport.MAPPER.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) {
            if (withPieces) {
                ObjectNode t = tokens.addObject();
                t.put("id", id);
                byte[] bytes = tok.tokenBytes(id);
                String text = strictUtf8(bytes);
                if (text != null) {
                    t.put("piece", text);
                } else {
                    // Part of a multi-byte character: the raw bytes, as llama.cpp does.
                    ArrayNode b = t.putArray("piece");
                    for (byte x : bytes) {
                        b.add(x & 0xff);
                    }
                }
            } else {
                tokens.add(id);
            }
        }
        return out;
    }

    JsonNode detokenize(ObjectNode body) {
        Params p = new Params(body);
        ArrayNode arr = p.array("tokens");
        if (arr == null) {
            throw OpenAiError.missing("tokens");
        }
        if (arr.size() > MAX_DETOKENIZE_IDS) {
            throw OpenAiError.invalid("'tokens' holds more than " + MAX_DETOKENIZE_IDS + " ids", "tokens");
        }
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = arr.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw OpenAiError.invalidType("tokens", "an array of integer token ids");
            }
            ids[i] = e.intValue();
        }
        String text;
        try {
            text = ctx.llama().tokenizer().decode(ids, false);
        } catch (InvalidRequestException e) {
            throw OpenAiError.invalid(e.getMessage(), "tokens");
        }
        ObjectNode out = JsonSupport.MAPPER.createObjectNode();
        out.put("content", text);
        return out;
    }

    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
