package dev.llama3j.chat;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: turns golden token ids back into text with {@code tokenizer.json} (GPT-2 byte-level
 * pieces, special tokens as written), so that prompts can be compared as text before llama3j's own
 * tokenizer is wired in. Byte-level BPE is lossless, so decode(ids) is exactly the prompt text.
 */
final class IdsToText {
    private static Map<Integer, String> pieces;
    private static Map<Integer, String> specials;
    private static int[] charToByte;

    private IdsToText() {}

    static synchronized String decode(int[] ids) {
        if (pieces == null) {
            load();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String special = specials.get(id);
            if (special != null) {
                bytes.writeBytes(special.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            String piece = pieces.get(id);
            if (piece == null) {
                throw new AssertionError("id " + id + " is not in tokenizer.json");
            }
            for (int i = 0; i < piece.length(); i++) {
                bytes.write(charToByte[piece.charAt(i)]);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void load() {
        Map<String, Object> tok = Json.asObject(Json.parseFile(Fixtures.tokenizerDir().resolve("tokenizer.json")), "tokenizer.json");
        Map<String, Object> vocab = Json.asObject(Json.asObject(tok.get("model"), "model").get("vocab"), "vocab");
        pieces = new HashMap<>();
        vocab.forEach((piece, id) -> pieces.put(Json.asInt(id, piece), piece));
        specials = new HashMap<>();
        for (Object o : (List<?>) tok.get("added_tokens")) {
            Map<String, Object> t = Json.asObject(o, "added token");
            specials.put(Json.asInt(t.get("id"), "id"), (String) t.get("content"));
        }
        // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the rest map to 256 + n.
        charToByte = new int[512];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            charToByte[printable ? b : 256 + n++] = b;
        }
    }
}
