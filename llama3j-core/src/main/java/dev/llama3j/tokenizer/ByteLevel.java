package dev.llama3j.tokenizer;

/**
 * GPT-2's reversible mapping between bytes and printable characters, in which byte-level BPE
 * vocabularies are written: {@code "Ġthe"} is the bytes {@code " the"}. Printable Latin-1 bytes stand
 * for themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) are shifted to U+0100 and up,
 * in byte order.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by char; -1 where the char stands for no byte. Only U+0000..U+01FF can be mapped. */
    private static final short[] CHAR_TO_BYTE = new short[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that character {@code c} stands for, or -1 if it is not a byte-level character. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level string for {@code bytes[from, to)}. */
    static String encode(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a vocabulary entry stands for, or null if some character is not a byte-level one
     * (Hugging Face's ByteLevel decoder then uses the entry's own UTF-8 bytes).
     */
    static byte[] decode(String piece) {
        byte[] out = new byte[piece.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(piece.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
