package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Token counts as people write them. {@code k} and {@code M} are decimal (16k = 16,000), {@code Ki}
 * and {@code Mi} binary (16Ki = 16,384): the Llama 3.1 blog's "16k" and "128k" columns are 16,000 and
 * 128,000 tokens while the model's maximum is 131,072 = 128Ki. (The blog's "1k" column is 1,024
 * tokens, though, so {@code mem} lists 1,024 itself rather than {@code 1k}.)
 */
public final class TokenCount {
    private static final Pattern COUNT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(k|K|Ki|ki|KI|M|Mi)?");

    private TokenCount() {}

    /**
     * Parses {@code 1024}, {@code 16k}, {@code 16Ki}, {@code 1.5M}; {@code max} gives {@code max}.
     *
     * @param max what {@code max} means (the model's context length)
     * @param what the option name, for the error message
     */
    public static int parse(String text, int max, String what) {
        String s = text == null ? "" : text.strip();
        if (s.equalsIgnoreCase("max")) {
            return max;
        }
        if (s.startsWith("-")) {
            throw new InvalidRequestException(what + ": '" + text + "' must be at least 1 token", what);
        }
        Matcher m = COUNT.matcher(s);
        if (!m.matches()) {
            throw new InvalidRequestException(what + ": '" + text
                    + "' is not a token count; write e.g. 1024, 16k (16,000), 16Ki (16,384) or max", what);
        }
        long unit = switch (m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT)) {
            case "" -> 1;
            case "k" -> 1_000;
            case "ki" -> 1_024;
            case "m" -> 1_000_000;
            case "mi" -> 1_048_576;
            default -> -1;
        };
        if (unit < 0) {
            throw new InvalidRequestException(what + ": '" + text + "' is not a token count; use k, Ki, M or Mi", what);
        }
        BigDecimal n = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (n.signum() <= 0 || n.stripTrailingZeros().scale() > 0) {
            throw new InvalidRequestException(what + ": '" + text + "' must be a whole number of tokens, at least 1",
                    what);
        }
        if (n.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
            throw new InvalidRequestException(what + ": '" + text + "' is too many tokens", what);
        }
        return n.intValueExact();
    }

    /** {@code 16000} as {@code 16,000}. */
    public static String format(long tokens) {
        return String.format(Locale.ROOT, "%,d", tokens);
    }
}
