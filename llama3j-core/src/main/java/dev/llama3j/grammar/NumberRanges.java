package dev.llama3j.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * GBNF for decimal numbers between bounds, as llama.cpp's json-schema-to-grammar builds digit-range
 * rules for integer {@code minimum}/{@code maximum}: numbers are split by digit count, and each count
 * into "same first digit" and "any digits" parts, so that every text the rule matches is in range.
 * Bounded values keep to 15 digits (exact in a double).
 */
final class NumberRanges {
    /** The largest magnitude written: 15 digits. */
    static final long LIMIT = 999_999_999_999_999L;
    private static final String FRACTION = "\".\" [0-9]{0,15} [1-9]";

    private NumberRanges() {}

    /** Integers in {@code [lo, hi]} (null: unbounded) as a GBNF expression, or null if there are none. */
    static String integers(Long lo, Long hi) {
        long a = lo == null ? -LIMIT : Math.max(lo, -LIMIT);
        long b = hi == null ? LIMIT : Math.min(hi, LIMIT);
        if (a > b) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        if (a < 0) {
            parts.add("\"-\" " + nonNegative(Math.max(1, -b), -a));
        }
        if (b >= 0) {
            parts.add(nonNegative(Math.max(0, a), b));
        }
        return group(parts);
    }

    /**
     * Numbers between bounds (each inclusive or exclusive, null: unbounded) as a GBNF expression, or null
     * if none can be written. Integers are written as such; other numbers as {@code k.ddd} with a last
     * digit that is not 0, for the whole parts {@code k} where every fraction stays in range. (A few
     * numbers near non-integer bounds cannot be written; every number that can is in range.)
     */
    static String numbers(Double lo, boolean loExclusive, Double hi, boolean hiExclusive) {
        Long intLo = lo == null ? null : (long) (loExclusive ? Math.floor(lo) + 1 : Math.ceil(lo));
        Long intHi = hi == null ? null : (long) (hiExclusive ? Math.ceil(hi) - 1 : Math.floor(hi));
        List<String> parts = new ArrayList<>();
        String ints = integers(intLo, intHi);
        if (ints != null) {
            parts.add(ints);
        }
        // k.f with k >= 0 lies in (k, k + 1): in range when k >= lo and k + 1 <= hi
        long posLo = lo == null ? 0 : Math.max(0, (long) Math.ceil(lo));
        long posHi = hi == null ? LIMIT : Math.min(LIMIT, (long) Math.floor(hi) - 1);
        if (posLo <= posHi) {
            parts.add(nonNegative(posLo, posHi) + " " + FRACTION);
        }
        // -k.f lies in (-k - 1, -k): in range when -k - 1 >= lo and -k <= hi
        long negLo = hi == null ? 0 : Math.max(0, (long) Math.ceil(-hi));
        long negHi = lo == null ? LIMIT : Math.min(LIMIT, (long) Math.floor(-lo - 1));
        if (negLo <= negHi) {
            parts.add("\"-\" " + nonNegative(negLo, negHi) + " " + FRACTION);
        }
        return parts.isEmpty() ? null : group(parts);
    }

    /** Non-negative integers in {@code [a, b]}, {@code 0 <= a <= b}, without leading zeros. */
    private static String nonNegative(long a, long b) {
        List<String> parts = new ArrayList<>();
        int from = digits(a);
        int to = digits(b);
        long low = a;
        for (int length = from; length <= to; length++) {
            long top = length >= 16 ? b : Math.min(b, pow10(length) - 1);
            parts.add(sameLength(Long.toString(low), Long.toString(top)));
            low = top + 1;
        }
        return group(parts);
    }

    /** Digit strings of one length between {@code x} and {@code y} (as numbers, {@code x <= y}). */
    private static String sameLength(String x, String y) {
        if (x.isEmpty()) {
            return "";
        }
        if (x.equals(y)) {
            return "\"" + x + "\"";
        }
        int rest = x.length() - 1;
        if (x.charAt(0) == y.charAt(0)) {
            return "\"" + x.charAt(0) + "\" " + sameLength(x.substring(1), y.substring(1));
        }
        List<String> parts = new ArrayList<>();
        char start = x.charAt(0);
        char end = y.charAt(0);
        boolean xLowest = x.substring(1).chars().allMatch(c -> c == '0');
        boolean yHighest = y.substring(1).chars().allMatch(c -> c == '9');
        if (!xLowest) {
            parts.add("\"" + start + "\" " + sameLength(x.substring(1), "9".repeat(rest)));
            start++;
        }
        if (!yHighest) {
            end--;
        }
        if (start <= end) {
            String first = start == end ? "\"" + start + "\"" : "[" + start + "-" + end + "]";
            parts.add(rest == 0 ? first : first + " [0-9]{" + rest + "}");
        }
        if (!yHighest) {
            parts.add("\"" + y.charAt(0) + "\" " + sameLength("0".repeat(rest), y.substring(1)));
        }
        return group(parts);
    }

    private static String group(List<String> parts) {
        return parts.size() == 1 ? "(" + parts.get(0) + ")" : "(" + String.join(" | ", parts) + ")";
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) {
            p *= 10;
        }
        return p;
    }
}
