package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts as people write them: {@code 80GiB} (2^30 bytes each), {@code 24GB} (10^9 bytes each),
 * and back. Memory vendors and the Llama 3.1 blog both write "GB", meaning either; llama3j prints
 * both units side by side so that nobody has to guess.
 */
public final class ByteSize {
    public static final long KB = 1_000L;
    public static final long MB = 1_000_000L;
    public static final long GB = 1_000_000_000L;
    public static final long TB = 1_000_000_000_000L;
    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;
    public static final long TIB = 1L << 40;

    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)");
    private static final Pattern TIMES = Pattern.compile("([0-9]{1,6})\\s*[x×*]\\s*(.+)");

    private ByteSize() {}

    /**
     * Parses {@code 80GiB}, {@code 80 GB}, {@code 1.5TiB}, {@code 512MiB} or a plain byte count.
     * Units: B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), any case.
     * A bare {@code G} or {@code M} is refused because it is ambiguous. {@code 8x80GiB} is eight
     * devices' memory together (for tensor parallelism, which splits weights and cache evenly).
     *
     * @param what the option or field name, for the error message
     */
    public static long parse(String text, String what) {
        String s = text == null ? "" : text.strip();
        Matcher times = TIMES.matcher(s);
        if (times.matches()) {
            long n = Long.parseLong(times.group(1));
            long each = parse(times.group(2), what);
            if (n < 1 || each > Long.MAX_VALUE / n) {
                throw new InvalidRequestException(what + ": '" + text + "' must be 1 or more devices of a sane size",
                        what);
            }
            return n * each;
        }
        if (s.startsWith("-")) {
            throw new InvalidRequestException(what + ": '" + text + "' must be more than zero bytes", what);
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new InvalidRequestException(what + ": '" + text + "' is not a size; write e.g. 80GiB or 24GB", what);
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "kb" -> KB;
            case "mb" -> MB;
            case "gb" -> GB;
            case "tb" -> TB;
            case "kib" -> KIB;
            case "mib" -> MIB;
            case "gib" -> GIB;
            case "tib" -> TIB;
            default -> throw new InvalidRequestException(what + ": unknown unit '" + m.group(2) + "' in '" + text
                    + "'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)", what);
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.signum() <= 0) {
            throw new InvalidRequestException(what + ": '" + text + "' must be more than zero bytes", what);
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new InvalidRequestException(what + ": '" + text + "' is too large", what);
        }
        return bytes.setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** {@code bytes} in GB (10^9 bytes). */
    public static double gb(long bytes) {
        return bytes / (double) GB;
    }

    /** {@code bytes} in GiB (2^30 bytes). */
    public static double gib(long bytes) {
        return bytes / (double) GIB;
    }

    /**
     * A size for a table cell, rounded half up (as people round by hand): two decimals from 1 on
     * ({@code 16.06}), three significant digits below ({@code 0.125}, {@code 0.0168}).
     */
    public static String number(double value) {
        return number(value, 2);
    }

    /** As {@link #number(double)} with {@code decimals} decimals from 1 on, e.g. {@code 15.625} for 3. */
    public static String number(double value, int decimals) {
        BigDecimal v = BigDecimal.valueOf(value);
        if (value != 0 && Math.abs(value) < 1) {
            int scale = 2 - (int) Math.floor(Math.log10(Math.abs(value)));
            return v.setScale(Math.max(decimals, scale), RoundingMode.HALF_UP).toPlainString();
        }
        return v.setScale(decimals, RoundingMode.HALF_UP).toPlainString();
    }

    /** For sentences: {@code 16.06 GB (14.96 GiB)}. */
    public static String format(long bytes) {
        return number(gb(bytes)) + " GB (" + number(gib(bytes)) + " GiB)";
    }

    /** A short binary size for small amounts, e.g. {@code 128 KiB}, {@code 1.5 MiB}. */
    public static String formatBinary(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String n = BigDecimal.valueOf(v).setScale(v == Math.rint(v) ? 0 : 2, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
        return n + " " + units[u];
    }
}
