package dev.llama3j.deberta;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code .model} file: the {@code ModelProto} protobuf, decoded by hand (only the fields
 * a Unigram encoder needs: the pieces with scores and types, the trainer's model type, unk id and byte
 * fallback, the normalizer's charsmap and whitespace options).
 */
record SentencePieceModelFile(
        List<String> pieces,
        float[] scores,
        int[] types,
        int unkId,
        boolean byteFallback,
        byte[] precompiledCharsmap,
        boolean addDummyPrefix,
        boolean removeExtraWhitespaces,
        boolean escapeWhitespaces) {

    /** {@code SentencePiece.Type} values. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    static SentencePieceModelFile read(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(data, file.toString());
    }

    static SentencePieceModelFile parse(byte[] data, String where) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] trainer = {1, 0, 0, 0}; // model_type, unk_id, byte_fallback, treat_whitespace_as_suffix
        Object[] normalizer = {null, true, true, true}; // charsmap, add_dummy_prefix, remove_extra_ws, escape_ws
        Reader top = new Reader(data, 0, data.length, where);
        while (top.more()) {
            int key = top.varint32();
            switch (key >>> 3) {
                case 1 -> {
                    Reader p = top.message(key);
                    String piece = null;
                    float score = 0;
                    int type = NORMAL;
                    while (p.more()) {
                        int k = p.varint32();
                        switch (k >>> 3) {
                            case 1 -> piece = new String(p.bytes(k), StandardCharsets.UTF_8);
                            case 2 -> score = p.fixed32Float(k);
                            case 3 -> type = (int) p.varint(k);
                            default -> p.skip(k);
                        }
                    }
                    if (piece == null) {
                        throw new ModelFormatException(where + ": piece " + pieces.size() + " has no text");
                    }
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                }
                case 2 -> {
                    Reader t = top.message(key);
                    while (t.more()) {
                        int k = t.varint32();
                        switch (k >>> 3) {
                            case 3 -> trainer[0] = (int) t.varint(k);
                            case 40 -> trainer[1] = (int) t.varint(k);
                            case 35 -> trainer[2] = (int) t.varint(k);
                            case 24 -> trainer[3] = (int) t.varint(k);
                            default -> t.skip(k);
                        }
                    }
                }
                case 3 -> {
                    Reader n = top.message(key);
                    while (n.more()) {
                        int k = n.varint32();
                        switch (k >>> 3) {
                            case 2 -> normalizer[0] = n.bytes(k);
                            case 3 -> normalizer[1] = n.varint(k) != 0;
                            case 4 -> normalizer[2] = n.varint(k) != 0;
                            case 5 -> normalizer[3] = n.varint(k) != 0;
                            default -> n.skip(k);
                        }
                    }
                }
                default -> top.skip(key);
            }
        }
        if (trainer[0] != 1) {
            throw new UnsupportedModelException(where + ": trainer_spec.model_type is " + trainer[0]
                    + "; only UNIGRAM (1) is supported");
        }
        if (trainer[3] != 0) {
            throw new UnsupportedModelException(where + ": trainer_spec.treat_whitespace_as_suffix is not supported");
        }
        if (pieces.isEmpty()) {
            throw new ModelFormatException(where + ": no pieces");
        }
        if (trainer[1] < 0 || trainer[1] >= pieces.size()) {
            throw new ModelFormatException(where + ": trainer_spec.unk_id " + trainer[1] + " is outside the "
                    + pieces.size() + " pieces");
        }
        float[] s = new float[scores.size()];
        int[] ty = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            ty[i] = types.get(i);
        }
        return new SentencePieceModelFile(List.copyOf(pieces), s, ty, trainer[1], trainer[2] != 0,
                (byte[]) normalizer[0], (Boolean) normalizer[1], (Boolean) normalizer[2], (Boolean) normalizer[3]);
    }

    /** Protobuf wire-format reading over {@code data[pos..end)}. */
    private static final class Reader {
        private final byte[] data;
        private final String where;
        private int pos;
        private final int end;

        Reader(byte[] data, int pos, int end, String where) {
            this.data = data;
            this.pos = pos;
            this.end = end;
            this.where = where;
        }

        boolean more() {
            return pos < end;
        }

        int varint32() {
            return (int) rawVarint();
        }

        private long rawVarint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw truncated();
                }
                int b = data[pos++] & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if (b < 0x80) {
                    return v;
                }
            }
            throw new ModelFormatException(where + ": malformed varint at byte " + pos);
        }

        long varint(int key) {
            expect(key, 0);
            return rawVarint();
        }

        float fixed32Float(int key) {
            expect(key, 5);
            if (pos + 4 > end) {
                throw truncated();
            }
            int bits = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
                    | (data[pos + 3] & 0xFF) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        byte[] bytes(int key) {
            expect(key, 2);
            int n = varint32();
            if (n < 0 || pos + n > end) {
                throw truncated();
            }
            byte[] out = new byte[n];
            System.arraycopy(data, pos, out, 0, n);
            pos += n;
            return out;
        }

        Reader message(int key) {
            expect(key, 2);
            int n = varint32();
            if (n < 0 || pos + n > end) {
                throw truncated();
            }
            Reader r = new Reader(data, pos, pos + n, where);
            pos += n;
            return r;
        }

        void skip(int key) {
            switch (key & 7) {
                case 0 -> rawVarint();
                case 1 -> pos += 8;
                case 2 -> {
                    int n = varint32(); // read first: "pos += varint32()" would add to the old pos
                    pos += n;
                }
                case 5 -> pos += 4;
                default -> throw new ModelFormatException(where + ": unsupported protobuf wire type " + (key & 7)
                        + " at byte " + pos + "; is this a SentencePiece model?");
            }
            if (pos > end) {
                throw truncated();
            }
        }

        private void expect(int key, int wireType) {
            if ((key & 7) != wireType) {
                throw new ModelFormatException(where + ": field " + (key >>> 3) + " has wire type " + (key & 7)
                        + ", expected " + wireType + "; is this a SentencePiece model?");
            }
        }

        private ModelFormatException truncated() {
            return new ModelFormatException(where + ": truncated protobuf at byte " + pos + "; is this a SentencePiece model?");
        }
    }
}
