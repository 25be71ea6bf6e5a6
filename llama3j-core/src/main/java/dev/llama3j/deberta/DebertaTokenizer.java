package dev.llama3j.deberta;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.tokenizer.IntList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mDeBERTa's tokenizer: SentencePiece Unigram with {@code [CLS] … [SEP]} around the text. Read from
 * {@code tokenizer.json} (Hugging Face tokenizers' pipeline: special tokens matched in the raw text,
 * normalizers such as Strip, Precompiled and Replace, the Metaspace pre-tokenizer, the Unigram model) or,
 * when only that is present, from {@code spm.model} (sentencepiece's own pipeline: its normalizer with
 * whitespace rules and the dummy prefix, then Unigram over the whole string).
 */
public final class DebertaTokenizer {
    private static final char SPACE_MARK = '\u2581';

    private final UnigramModel model;
    private final List<String> pieces;
    /** Tokenizers pipeline: the normalizers in order; null for the sentencepiece pipeline. */
    private final List<UnaryOperator<String>> normalizers;
    private final char replacement;
    private final String prependScheme;
    /** Sentencepiece pipeline. */
    private final SentencePieceModelFile spm;
    private final PrecompiledCharsMap charsMap;
    private final List<String> addedTokens;
    private final int[] addedIds;
    private final int clsId;
    private final int sepId;

    private DebertaTokenizer(UnigramModel model, List<String> pieces, List<UnaryOperator<String>> normalizers,
            char replacement, String prependScheme, SentencePieceModelFile spm, PrecompiledCharsMap charsMap,
            List<String> addedTokens, int[] addedIds, int clsId, int sepId) {
        this.model = model;
        this.pieces = pieces;
        this.normalizers = normalizers;
        this.replacement = replacement;
        this.prependScheme = prependScheme;
        this.spm = spm;
        this.charsMap = charsMap;
        this.addedTokens = addedTokens;
        this.addedIds = addedIds;
        this.clsId = clsId;
        this.sepId = sepId;
    }

    /** {@code dir/tokenizer.json}, else {@code dir/spm.model}. */
    public static DebertaTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return fromTokenizerJson(json);
        }
        Path spm = dir.resolve("spm.model");
        if (Files.isRegularFile(spm)) {
            return fromSentencePiece(spm);
        }
        throw new ModelFormatException(dir + ": no tokenizer.json or spm.model");
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int vocabSize() {
        return pieces.size();
    }

    public String piece(int id) {
        return pieces.get(id);
    }

    /** The text's token ids without {@code [CLS]}/{@code [SEP]}. */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() + 2);
        if (normalizers == null) {
            encodeSentencePiece(text, out);
            return out.toArray();
        }
        int pos = 0;
        boolean first = true;
        while (pos <= text.length()) {
            int at = -1;
            int which = -1;
            for (int k = 0; k < addedTokens.size(); k++) {
                int i = text.indexOf(addedTokens.get(k), pos);
                if (i >= 0 && (at < 0 || i < at || (i == at && addedTokens.get(k).length() > addedTokens.get(which).length()))) {
                    at = i;
                    which = k;
                }
            }
            String segment = text.substring(pos, at < 0 ? text.length() : at);
            encodeTokenizers(segment, first, out);
            first = false;
            if (at < 0) {
                break;
            }
            out.add(addedIds[which]);
            pos = at + addedTokens.get(which).length();
        }
        return out.toArray();
    }

    /** {@code [CLS] ids [SEP]}. */
    public int[] encodeWithSpecials(String text) {
        return wrap(encode(text), 0, -1);
    }

    /**
     * The text as model inputs of at most {@code maxTokens} ids each: its ids cut into consecutive
     * windows of {@code maxTokens - 2}, each wrapped in {@code [CLS] … [SEP]} (one window for an empty text).
     */
    public List<int[]> windows(String text, int maxTokens) {
        if (maxTokens < 3) {
            throw new IllegalArgumentException("a window needs room for [CLS], [SEP] and a token, got " + maxTokens);
        }
        int[] ids = encode(text);
        int step = maxTokens - 2;
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < ids.length || out.isEmpty(); from += step) {
            out.add(wrap(ids, from, Math.min(ids.length, from + step)));
        }
        return out;
    }

    private int[] wrap(int[] ids, int from, int to) {
        if (to < 0) {
            to = ids.length;
        }
        int[] out = new int[to - from + 2];
        out[0] = clsId;
        System.arraycopy(ids, from, out, 1, to - from);
        out[out.length - 1] = sepId;
        return out;
    }

    private void encodeTokenizers(String segment, boolean first, IntList out) {
        String s = segment;
        for (UnaryOperator<String> n : normalizers) {
            s = n.apply(s);
        }
        if (s.isEmpty()) {
            return;
        }
        s = s.replace(' ', replacement);
        boolean prepend = switch (prependScheme) {
            case "always" -> true;
            case "first" -> first;
            default -> false;
        };
        if (prepend && s.charAt(0) != replacement) {
            s = replacement + s;
        }
        // Metaspace splits before every replacement character, keeping it at the start of the next word.
        int start = 0;
        for (int i = 1; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == replacement) {
                model.encode(s.substring(start, i), out);
                start = i;
            }
        }
    }

    private void encodeSentencePiece(String text, IntList out) {
        String normalized = charsMap == null ? text : charsMap.normalizeLikeSentencePiece(text);
        StringBuilder sb = new StringBuilder(normalized.length() + 1);
        boolean removeExtra = spm.removeExtraWhitespaces();
        int i = 0;
        if (removeExtra) {
            while (i < normalized.length() && normalized.charAt(i) == ' ') {
                i++;
            }
        }
        if (i == normalized.length()) {
            return;
        }
        if (spm.addDummyPrefix()) {
            sb.append(spm.escapeWhitespaces() ? SPACE_MARK : ' ');
        }
        boolean prevSpace = removeExtra;
        for (; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            if (c == ' ') {
                if (prevSpace) {
                    continue;
                }
                sb.append(spm.escapeWhitespaces() ? SPACE_MARK : ' ');
                prevSpace = removeExtra;
            } else {
                sb.append(c);
                prevSpace = false;
            }
        }
        char space = spm.escapeWhitespaces() ? SPACE_MARK : ' ';
        if (removeExtra) {
            while (sb.length() > 0 && sb.charAt(sb.length() - 1) == space) {
                sb.setLength(sb.length() - 1);
            }
        }
        model.encode(sb.toString(), out);
    }

    // ---- loading ----

    static DebertaTokenizer fromSentencePiece(Path file) {
        SentencePieceModelFile m = SentencePieceModelFile.read(file);
        int n = m.pieces().size();
        float[] scores = new float[n];
        boolean[] matchable = new boolean[n];
        for (int i = 0; i < n; i++) {
            scores[i] = m.scores()[i];
            int t = m.types()[i];
            matchable[i] = t == SentencePieceModelFile.NORMAL || t == SentencePieceModelFile.USER_DEFINED;
        }
        UnigramModel model = new UnigramModel(m.pieces(), scores, matchable, m.unkId(), m.byteFallback(), true);
        PrecompiledCharsMap map = m.precompiledCharsmap() == null || m.precompiledCharsmap().length == 0
                ? null : PrecompiledCharsMap.parse(m.precompiledCharsmap(), file.toString());
        int cls = m.pieces().indexOf("[CLS]");
        int sep = m.pieces().indexOf("[SEP]");
        if (cls < 0 || sep < 0) {
            throw new ModelFormatException(file + ": the pieces [CLS] and [SEP] are missing; not a DeBERTa tokenizer");
        }
        return new DebertaTokenizer(model, m.pieces(), null, SPACE_MARK, "always", m, map, List.of(), new int[0], cls, sep);
    }

    static DebertaTokenizer fromTokenizerJson(Path file) {
        String f = file.toString();
        try {
            Map<String, Object> root = Json.asObject(Json.parseFile(file), f);
            Map<String, Object> m = Json.asObject(root.get("model"), f + ": model");
            String type = m.get("type") == null ? null : Json.asString(m.get("type"), f + ": model.type");
            if (!"Unigram".equals(type)) {
                throw new UnsupportedModelException(f + ": model.type is " + (type == null ? "missing" : "'" + type + "'")
                        + "; a DeBERTa-v2 tokenizer is a SentencePiece 'Unigram'");
            }
            List<Object> vocab = Json.asArray(m.get("vocab"), f + ": model.vocab");
            List<String> pieces = new ArrayList<>(vocab.size());
            float[] scores = new float[vocab.size()];
            for (int i = 0; i < vocab.size(); i++) {
                List<Object> entry = Json.asArray(vocab.get(i), f + ": model.vocab[" + i + "]");
                if (entry.size() != 2) {
                    throw new ModelFormatException(f + ": model.vocab[" + i + "] should be [piece, score]");
                }
                pieces.add(Json.asString(entry.get(0), f + ": model.vocab[" + i + "][0]"));
                scores[i] = (float) Json.asDouble(entry.get(1), f + ": model.vocab[" + i + "][1]");
            }
            if (m.get("unk_id") == null) {
                throw new ModelFormatException(f + ": model.unk_id is missing");
            }
            int unk = Json.asInt(m.get("unk_id"), f + ": model.unk_id");
            if (unk < 0 || unk >= pieces.size()) {
                throw new ModelFormatException(f + ": model.unk_id " + unk + " is outside the vocabulary of " + pieces.size());
            }
            boolean byteFallback = m.get("byte_fallback") != null && Json.asBoolean(m.get("byte_fallback"), f + ": model.byte_fallback");
            boolean[] matchable = new boolean[pieces.size()];
            java.util.Arrays.fill(matchable, true);
            UnigramModel model = new UnigramModel(pieces, scores, matchable, unk, byteFallback, false);

            List<UnaryOperator<String>> normalizers = new ArrayList<>();
            addNormalizers(root.get("normalizer"), f + ": normalizer", normalizers);
            Map<String, Object> meta = metaspace(root.get("pre_tokenizer"), f + ": pre_tokenizer");
            String rep = Json.asString(meta.getOrDefault("replacement", "\u2581"), f + ": pre_tokenizer.replacement");
            if (rep.length() != 1) {
                throw new UnsupportedModelException(f + ": pre_tokenizer.replacement '" + rep + "' is not one character");
            }
            String scheme;
            if (meta.get("prepend_scheme") != null) {
                scheme = Json.asString(meta.get("prepend_scheme"), f + ": pre_tokenizer.prepend_scheme");
                if (!List.of("always", "first", "never").contains(scheme)) {
                    throw new UnsupportedModelException(f + ": pre_tokenizer.prepend_scheme '" + scheme + "' is not supported");
                }
            } else {
                boolean add = meta.get("add_prefix_space") == null
                        || Json.asBoolean(meta.get("add_prefix_space"), f + ": pre_tokenizer.add_prefix_space");
                scheme = add ? "always" : "never";
            }
            if (meta.get("split") != null && !Json.asBoolean(meta.get("split"), f + ": pre_tokenizer.split")) {
                throw new UnsupportedModelException(f + ": pre_tokenizer Metaspace with split false is not supported");
            }

            List<String> added = new ArrayList<>();
            IntList addedIds = new IntList(8);
            if (root.get("added_tokens") != null) {
                for (Object o : Json.asArray(root.get("added_tokens"), f + ": added_tokens")) {
                    Map<String, Object> t = Json.asObject(o, f + ": added_tokens[]");
                    boolean normalized = t.get("normalized") != null && Json.asBoolean(t.get("normalized"), f + ": added_tokens[].normalized");
                    String content = Json.asString(t.get("content"), f + ": added_tokens[].content");
                    if (normalized || content.isEmpty()) {
                        throw new UnsupportedModelException(f + ": added token '" + content
                                + "' is matched after normalization; only special tokens matched in the raw text are supported");
                    }
                    added.add(content);
                    addedIds.add(Json.asInt(t.get("id"), f + ": added_tokens[].id"));
                }
            }
            int[] specials = template(root.get("post_processor"), f, pieces);
            return new DebertaTokenizer(model, List.copyOf(pieces), normalizers, rep.charAt(0), scheme, null, null,
                    List.copyOf(added), addedIds.toArray(), specials[0], specials[1]);
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    private static void addNormalizers(Object value, String where, List<UnaryOperator<String>> out) {
        if (value == null) {
            return;
        }
        Map<String, Object> n = Json.asObject(value, where);
        String type = Json.asString(n.get("type"), where + ".type");
        switch (type) {
            case "Sequence" -> {
                List<Object> list = Json.asArray(n.get("normalizers"), where + ".normalizers");
                for (int i = 0; i < list.size(); i++) {
                    addNormalizers(list.get(i), where + ".normalizers[" + i + "]", out);
                }
            }
            case "Strip" -> {
                boolean left = n.get("strip_left") == null || Json.asBoolean(n.get("strip_left"), where + ".strip_left");
                boolean right = n.get("strip_right") == null || Json.asBoolean(n.get("strip_right"), where + ".strip_right");
                out.add(s -> strip(s, left, right));
            }
            case "Precompiled" -> {
                Object blob = n.get("precompiled_charsmap");
                if (blob != null) {
                    byte[] bytes;
                    try {
                        bytes = Base64.getDecoder().decode(Json.asString(blob, where + ".precompiled_charsmap"));
                    } catch (IllegalArgumentException e) {
                        throw new ModelFormatException(where + ".precompiled_charsmap is not base64: " + e.getMessage());
                    }
                    if (bytes.length > 0) {
                        PrecompiledCharsMap map = PrecompiledCharsMap.parse(bytes, where + ".precompiled_charsmap");
                        out.add(map::normalizeLikeTokenizers);
                    }
                }
            }
            case "Replace" -> {
                Map<String, Object> pattern = Json.asObject(n.get("pattern"), where + ".pattern");
                String content = Json.asString(n.get("content"), where + ".content");
                Pattern p;
                if (pattern.get("Regex") != null) {
                    p = Pattern.compile(Json.asString(pattern.get("Regex"), where + ".pattern.Regex"));
                } else {
                    p = Pattern.compile(Pattern.quote(Json.asString(pattern.get("String"), where + ".pattern.String")));
                }
                String literal = Matcher.quoteReplacement(content);
                out.add(s -> p.matcher(s).replaceAll(literal));
            }
            case "Lowercase" -> out.add(s -> s.toLowerCase(Locale.ROOT));
            default -> throw new UnsupportedModelException(where + ": normalizer type '" + type
                    + "' is not supported (expected Strip, Precompiled, Replace, Lowercase)");
        }
    }

    private static Map<String, Object> metaspace(Object value, String where) {
        Map<String, Object> p = Json.asObject(value, where);
        String type = Json.asString(p.get("type"), where + ".type");
        if (type.equals("Sequence")) {
            List<Object> list = Json.asArray(p.get("pretokenizers"), where + ".pretokenizers");
            if (list.size() != 1) {
                throw new UnsupportedModelException(where + ": a Sequence of " + list.size()
                        + " pre-tokenizers is not supported; expected Metaspace alone");
            }
            return metaspace(list.get(0), where + ".pretokenizers[0]");
        }
        if (!type.equals("Metaspace")) {
            throw new UnsupportedModelException(where + ": pre-tokenizer type '" + type + "' is not supported; expected Metaspace");
        }
        return p;
    }

    /** The ids around {@code $A} in the TemplateProcessing post-processor: [CLS] and [SEP]. */
    private static int[] template(Object value, String f, List<String> pieces) {
        if (value == null) {
            throw new ModelFormatException(f + ": post_processor is missing; expected TemplateProcessing with [CLS] $A [SEP]");
        }
        Map<String, Object> p = Json.asObject(value, f + ": post_processor");
        String type = Json.asString(p.get("type"), f + ": post_processor.type");
        if (!type.equals("TemplateProcessing")) {
            throw new UnsupportedModelException(f + ": post_processor type '" + type + "' is not supported; expected TemplateProcessing");
        }
        List<Object> single = Json.asArray(p.get("single"), f + ": post_processor.single");
        Map<String, Object> specials = Json.asObject(p.get("special_tokens"), f + ": post_processor.special_tokens");
        if (single.size() != 3) {
            throw new UnsupportedModelException(f + ": post_processor.single has " + single.size()
                    + " parts; expected [CLS] $A [SEP]");
        }
        int[] out = new int[2];
        for (int k = 0; k < 2; k++) {
            Map<String, Object> part = Json.asObject(single.get(k * 2), f + ": post_processor.single[" + k * 2 + "]");
            if (part.get("SpecialToken") == null) {
                throw new UnsupportedModelException(f + ": post_processor.single[" + k * 2 + "] is not a special token");
            }
            String name = Json.asString(Json.asObject(part.get("SpecialToken"), f + ": SpecialToken").get("id"),
                    f + ": post_processor.single[" + k * 2 + "].SpecialToken.id");
            Object entry = specials.get(name);
            if (entry == null) {
                throw new ModelFormatException(f + ": post_processor.special_tokens has no '" + name + "'");
            }
            List<Object> ids = Json.asArray(Json.asObject(entry, f + ": special_tokens." + name).get("ids"),
                    f + ": post_processor.special_tokens." + name + ".ids");
            if (ids.size() != 1) {
                throw new UnsupportedModelException(f + ": special token '" + name + "' has " + ids.size() + " ids; expected 1");
            }
            out[k] = Json.asInt(ids.get(0), f + ": post_processor.special_tokens." + name + ".ids[0]");
            if (out[k] < 0 || out[k] >= pieces.size()) {
                throw new ModelFormatException(f + ": special token '" + name + "' id " + out[k] + " is outside the vocabulary");
            }
        }
        Map<String, Object> middle = Json.asObject(single.get(1), f + ": post_processor.single[1]");
        if (middle.get("Sequence") == null) {
            throw new UnsupportedModelException(f + ": post_processor.single[1] is not the sequence $A");
        }
        return out;
    }

    /** Strips Unicode White_Space (Rust's {@code char::is_whitespace}, which tokenizers' Strip uses). */
    private static String strip(String s, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        while (left && a < b && isWhiteSpace(s.charAt(a))) {
            a++;
        }
        while (right && b > a && isWhiteSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean isWhiteSpace(char c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
