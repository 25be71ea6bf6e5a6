package dev.llama3j.tokenizer;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntPredicate;

/**
 * The Llama 3 tokenizer: byte-level BPE with Llama 3's pre-tokenizer and special tokens, giving the
 * same ids and text as Hugging Face's {@code tokenizers} for the same {@code tokenizer.json}.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("Llama-3.1-8B-Instruct"));   // or .../tokenizer.json
 * int[] ids = tok.encode("Hello, world!", false);                    // [9906, 11, 1917, 0]
 * int[] prompt = tok.prependBos(tok.encode("<|start_header_id|>user<|end_header_id|>\n\nHi", true));
 * String text = tok.decode(ids);                                      // "Hello, world!"
 * }</pre>
 *
 * <p>Encoding never adds BOS ({@link #prependBos} does). Special tokens are recognised in text only
 * when asked to ({@link #encode(String, boolean)}), or only at the positions a caller allows
 * ({@link #encode(String, IntPredicate)}): a chat template allows its own markup and not the text of
 * user messages, so that a user cannot inject {@code <|eot_id|>}.
 *
 * <p>Immutable and thread-safe (its cache of encoded words is concurrent).
 */
public final class Tokenizer {
    /** How an id is encoded and decoded. */
    static final byte BPE = 0;
    static final byte ADDED = 1;
    static final byte SPECIAL = 2;
    static final byte PLACEHOLDER = 3;

    private final String[] pieces;
    private final byte[] kinds;
    /** The bytes each id decodes to: {@code byteData[byteStart[id], byteStart[id + 1])}. */
    private final int[] byteStart;
    private final byte[] byteData;
    /** BPE pieces by text, and added tokens by text (checked first). */
    private final Map<String, Integer> bpeVocab;
    private final Map<String, Integer> addedIds;
    private final Map<String, Integer> specialIds;
    private final BytePairEncoder bpe;
    private final SpecialTokens addedTokens;
    private final int bosId;
    private final int eosId;

    private Tokenizer(String[] pieces, byte[] kinds, Map<String, Integer> bpeVocab, BytePairEncoder bpe, int bosId,
            int eosId) {
        this.pieces = pieces;
        this.kinds = kinds;
        this.bpe = bpe;
        this.bosId = bosId;
        this.eosId = eosId;
        int n = pieces.length;
        this.bpeVocab = bpeVocab;
        this.addedIds = new HashMap<>();
        this.specialIds = new HashMap<>();
        String[] added = new String[n];
        boolean[] special = new boolean[n];
        byte[][] bytes = new byte[n][];
        int total = 0;
        for (int id = 0; id < n; id++) {
            String p = pieces[id];
            if (p == null) {
                bytes[id] = new byte[0];
                continue;
            }
            if (kinds[id] != BPE) {
                addedIds.putIfAbsent(p, id);
            }
            if (kinds[id] == BPE) {
                byte[] b = ByteLevel.decode(p);
                // Like Hugging Face's ByteLevel decoder, a piece that is not byte-level text stands for itself.
                bytes[id] = b != null ? b : p.getBytes(StandardCharsets.UTF_8);
            } else {
                bytes[id] = p.getBytes(StandardCharsets.UTF_8);
                if (kinds[id] == SPECIAL) {
                    specialIds.put(p, id);
                }
                if (kinds[id] == SPECIAL || kinds[id] == ADDED) {
                    added[id] = p;
                    special[id] = kinds[id] == SPECIAL;
                }
            }
            total += bytes[id].length;
        }
        this.byteStart = new int[n + 1];
        this.byteData = new byte[total];
        int at = 0;
        for (int id = 0; id < n; id++) {
            byteStart[id] = at;
            System.arraycopy(bytes[id], 0, byteData, at, bytes[id].length);
            at += bytes[id].length;
        }
        byteStart[n] = at;
        this.addedTokens = new SpecialTokens(added, special);
    }

    // ------------------------------------------------------------------ construction

    /**
     * Loads a Hugging Face tokenizer: {@code path} is a {@code tokenizer.json} or a folder holding one.
     * A {@code tokenizer_config.json} beside it, if present, names the BOS and EOS tokens; without one
     * they are {@code <|begin_of_text|>} and {@code <|end_of_text|>} if the vocabulary has them.
     *
     * @throws ModelFormatException if the file is missing, unreadable or lacks a required key
     * @throws dev.llama3j.error.UnsupportedModelException if it is not a Llama 3 style byte-level BPE tokenizer
     */
    public static Tokenizer load(Path path) {
        return TokenizerJson.load(path);
    }

    /**
     * Reads the vocabulary of a Hugging Face {@code tokenizer.json} (a file or a folder holding one) in
     * the form a GGUF file stores it, as llama.cpp's {@code convert_hf_to_gguf.py} writes it; the
     * tokenizer is checked as {@link #load} checks it.
     */
    public static TokenizerVocabulary readVocabulary(Path path) {
        return TokenizerJson.readVocabulary(path);
    }

    /**
     * The Jinja chat template a Hugging Face folder carries: {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or the list entry named {@code default}), else
     * {@code chat_template.jinja}; empty when there is none.
     */
    public static Optional<String> readChatTemplate(Path dir) {
        return TokenizerJson.readChatTemplate(dir);
    }

    /** {@link #fromVocabulary(List, List, int[], int, int)} of a {@link TokenizerVocabulary}. */
    public static Tokenizer fromVocabulary(TokenizerVocabulary v) {
        return fromVocabulary(v.tokens(), v.merges(), v.tokenTypes(), v.bosId(), v.eosId());
    }

    /**
     * Builds a tokenizer from a vocabulary as a GGUF file stores it ({@code tokenizer.ggml.tokens},
     * {@code tokenizer.ggml.merges}, {@code tokenizer.ggml.token_type}), with Llama 3's pre-tokenizer
     * and {@code ignore_merges}.
     *
     * @param tokens every token's text by id, BPE tokens in GPT-2's byte-to-unicode form ({@code "Ġthe"})
     *     exactly as in {@code tokenizer.json}, special tokens as their text ({@code "<|eot_id|>"})
     * @param merges the merges in rank order, each {@code "left right"}
     * @param tokenTypes the {@link TokenType} of each id; {@link TokenType#CONTROL} and
     *     {@link TokenType#UNKNOWN} are special tokens; null treats every token as normal
     * @param bosId the BOS id, or -1 if none
     * @param eosId the EOS id, or -1 if none
     * @throws ModelFormatException if a merge names a token that is not in the vocabulary, the lengths
     *     disagree, or a byte has no token; the message names the merge or token but not the file, so
     *     a loader should wrap it with its file name
     */
    public static Tokenizer fromVocabulary(List<String> tokens, List<String> merges, int[] tokenTypes, int bosId,
            int eosId) {
        int n = tokens.size();
        if (tokenTypes != null && tokenTypes.length != n) {
            throw new ModelFormatException("tokenizer: " + n + " tokens but " + tokenTypes.length + " token types");
        }
        String[] pieces = tokens.toArray(new String[0]);
        byte[] kinds = new byte[n];
        for (int id = 0; id < n; id++) {
            if (pieces[id] == null) {
                throw new ModelFormatException("tokenizer: token " + id + " is null");
            }
            int type = tokenTypes == null ? TokenType.NORMAL : tokenTypes[id];
            kinds[id] = switch (type) {
                case TokenType.CONTROL, TokenType.UNKNOWN -> SPECIAL;
                case TokenType.USER_DEFINED -> ADDED;
                case TokenType.UNUSED -> PLACEHOLDER;
                default -> BPE;
            };
        }
        String[] lefts = new String[merges.size()];
        String[] rights = new String[merges.size()];
        for (int i = 0; i < lefts.length; i++) {
            String m = merges.get(i);
            int space = m == null ? -1 : m.indexOf(' ');
            if (space < 0 || m.indexOf(' ', space + 1) >= 0) {
                throw new ModelFormatException("tokenizer: merge " + i + " is " + quote(m)
                        + ", expected two tokens separated by one space");
            }
            lefts[i] = m.substring(0, space);
            rights[i] = m.substring(space + 1);
        }
        return build("tokenizer", pieces, kinds, null, lefts, rights, true, bosId, eosId);
    }

    /**
     * The common end of both loaders.
     *
     * @param where names the source in error messages, e.g. the file and key
     * @param bpeVocab the BPE vocabulary, or null to take it from the pieces whose kind is BPE or ADDED
     */
    static Tokenizer build(String where, String[] pieces, byte[] kinds, Map<String, Integer> bpeVocab, String[] lefts,
            String[] rights, boolean ignoreMerges, int bosId, int eosId) {
        if (bpeVocab == null) {
            bpeVocab = new HashMap<>(pieces.length * 2);
            for (int id = 0; id < pieces.length; id++) {
                if (kinds[id] == BPE || kinds[id] == ADDED) {
                    bpeVocab.putIfAbsent(pieces[id], id);
                }
            }
        }
        int[] left = new int[lefts.length];
        int[] right = new int[lefts.length];
        int[] merged = new int[lefts.length];
        for (int i = 0; i < lefts.length; i++) {
            left[i] = mergePart(where, i, lefts[i], rights[i], lefts[i], bpeVocab);
            right[i] = mergePart(where, i, lefts[i], rights[i], rights[i], bpeVocab);
            merged[i] = mergePart(where, i, lefts[i], rights[i], lefts[i] + rights[i], bpeVocab);
        }
        for (int id : new int[] {bosId, eosId}) {
            if (id < -1 || id >= pieces.length) {
                throw new ModelFormatException(where + ": BOS/EOS id " + id + " is outside the vocabulary of "
                        + pieces.length + " tokens");
            }
        }
        BytePairEncoder encoder;
        try {
            encoder = new BytePairEncoder(bpeVocab, left, right, merged, ignoreMerges);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": " + e.getMessage() + "; not a byte-level BPE vocabulary", e);
        }
        return new Tokenizer(pieces, kinds, bpeVocab, encoder, bosId, eosId);
    }

    static byte kindOf(boolean added, boolean special) {
        return special ? SPECIAL : added ? ADDED : BPE;
    }

    private static int mergePart(String where, int index, String left, String right, String part,
            Map<String, Integer> vocab) {
        Integer id = vocab.get(part);
        if (id == null) {
            throw new ModelFormatException(where + ": merge " + index + " (" + quote(left + " " + right) + ") needs "
                    + quote(part) + ", which is not in the vocabulary");
        }
        return id;
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, s);
        return sb.toString();
    }

    // ------------------------------------------------------------------ encoding

    /**
     * Encodes text; no BOS is added. (Added tokens that are not special, which Llama 3 has none of,
     * are always recognised, as in Hugging Face.)
     *
     * @param parseSpecial true to turn special-token text such as {@code <|eot_id|>} into its id,
     *     false to encode it as plain text
     */
    public int[] encode(String text, boolean parseSpecial) {
        return encode(text, parseSpecial ? i -> true : null);
    }

    /**
     * Encodes text, recognising a special token only where it starts at a char index {@code i} of
     * {@code text} with {@code specialAllowedAt.test(i)}; elsewhere its text is plain text, encoded
     * together with the text around it. No BOS is added.
     */
    public int[] encode(String text, IntPredicate specialAllowedAt) {
        IntList out = new IntList(text.length() / 3 + 4);
        int at = 0;
        if (!addedTokens.isEmpty()) {
            SpecialTokens.Match m = new SpecialTokens.Match();
            while (addedTokens.find(text, at, text.length(), specialAllowedAt, m)) {
                encodePlain(text, at, m.start, out);
                out.add(m.id);
                at = m.end;
            }
        }
        encodePlain(text, at, text.length(), out);
        return out.toArray();
    }

    /** Pre-tokenizes {@code text[from, to)} and BPE-encodes each piece. */
    private void encodePlain(String text, int from, int to, IntList out) {
        int i = from;
        while (i < to) {
            int end = PreTokenizer.pieceEnd(text, i, to);
            bpe.encode(text, i, end, out);
            i = end;
        }
    }

    /** Forgets the cached encodings of words (for measuring the uncached cost). */
    void clearCache() {
        bpe.clearCache();
    }

    /** {@code ids} with the BOS id in front. */
    public int[] prependBos(int[] ids) {
        if (bosId < 0) {
            throw new IllegalStateException("this tokenizer has no BOS token");
        }
        int[] out = new int[ids.length + 1];
        out[0] = bosId;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    // ------------------------------------------------------------------ decoding

    /** The text of {@code ids}, special tokens included as their text (Hugging Face's default). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}; bytes that are not valid UTF-8 become U+FFFD.
     *
     * @param skipSpecial leave out special tokens
     * @throws InvalidRequestException if an id is outside the vocabulary
     */
    public String decode(int[] ids, boolean skipSpecial) {
        int total = 0;
        for (int id : ids) {
            checkId(id);
            if (!(skipSpecial && isSpecial(id))) {
                total += byteStart[id + 1] - byteStart[id];
            }
        }
        byte[] bytes = new byte[total];
        int at = 0;
        for (int id : ids) {
            if (!(skipSpecial && isSpecial(id))) {
                int len = byteStart[id + 1] - byteStart[id];
                System.arraycopy(byteData, byteStart[id], bytes, at, len);
                at += len;
            }
        }
        return Utf8.decode(bytes, 0, total);
    }

    /** The bytes that {@code id} stands for (UTF-8 text, or part of a character). */
    public byte[] tokenBytes(int id) {
        checkId(id);
        return Arrays.copyOfRange(byteData, byteStart[id], byteStart[id + 1]);
    }

    /** Appends the bytes of {@code id} to {@code dst} at {@code at}, growing it if needed; returns the array. */
    byte[] appendBytes(int id, byte[] dst, int at) {
        checkId(id);
        int len = byteStart[id + 1] - byteStart[id];
        if (at + len > dst.length) {
            dst = Arrays.copyOf(dst, Math.max(2 * dst.length, at + len));
        }
        System.arraycopy(byteData, byteStart[id], dst, at, len);
        return dst;
    }

    int tokenByteLength(int id) {
        return byteStart[id + 1] - byteStart[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new InvalidRequestException("token id " + id + " is out of range: the vocabulary has "
                    + pieces.length + " tokens (ids 0 to " + (pieces.length - 1) + ")");
        }
        if (pieces[id] == null) {
            throw new InvalidRequestException("token id " + id + " is not in the vocabulary (the tokenizer defines no"
                    + " token with that id)");
        }
    }

    // ------------------------------------------------------------------ lookups

    /** The number of ids, one past the largest. */
    public int vocabSize() {
        return pieces.length;
    }

    /**
     * The vocabulary entry of {@code id} as {@code tokenizer.json} writes it: byte-level form for BPE
     * tokens ({@code "Ġworld"}), the text for special tokens ({@code "<|eot_id|>"}).
     */
    public String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    /** The id of a vocabulary entry given in the form {@link #piece} returns. */
    public OptionalInt tokenId(String piece) {
        Integer id = addedIds.get(piece);
        if (id == null) {
            id = bpeVocab.get(piece);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of the special token with this text, e.g. {@code "<|eot_id|>"}. */
    public OptionalInt specialId(String text) {
        Integer id = specialIds.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Whether {@code id} is a special token (a control token such as {@code <|eot_id|>}). */
    public boolean isSpecial(int id) {
        return id >= 0 && id < kinds.length && (kinds[id] == SPECIAL || kinds[id] == PLACEHOLDER);
    }

    /** The BOS token ({@code <|begin_of_text|>}), if known. */
    public OptionalInt bosId() {
        return bosId < 0 ? OptionalInt.empty() : OptionalInt.of(bosId);
    }

    /**
     * The tokenizer's EOS token, if known: {@code tokenizer_config.json}'s {@code eos_token}
     * ({@code <|eot_id|>} for instruct models). Generation should stop at every id of the model's
     * {@code generation_config.json}, which may list more.
     */
    public OptionalInt eosId() {
        return eosId < 0 ? OptionalInt.empty() : OptionalInt.of(eosId);
    }

    /** A decoder for a stream of ids, such as generated tokens; see {@link StreamingDecoder}. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new StreamingDecoder(this, skipSpecial);
    }
}
