package dev.llama3j.datagen;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * distilabel's parsing of an UltraFeedback judge's answer ({@code _format_ratings_rationales_output}
 * and {@code _format_types_ratings_rationales_output}), rule for rule: the answer is split on
 * {@code "\n\n"} (Python's {@code str.split}: empty sections kept); each section is searched with
 * {@code Rating: (.+?)\nRationale: (.+)} (or the four-field {@code Type:} pattern) under DOTALL; a
 * section that does not match gives nulls; a matched value of exactly {@code None} or {@code N/A}
 * gives null, any other takes the first {@code \b\d+\b} in it as an integer, and a value without one
 * makes the whole answer unreadable (distilabel's IndexError, caught by {@code Task} as a failed
 * output: every column null).
 */
final class UltraFeedbackParser {
    private static final Pattern RATING = Pattern.compile("Rating: (.+?)\nRationale: (.+)", Pattern.DOTALL);
    private static final Pattern TYPED = Pattern.compile(
            "Type: (.+?)\nRationale: (.+?)\nRating: (.+?)\nRationale: (.+)", Pattern.DOTALL);
    /** Python 3's {@code \b\d+\b} on str: Unicode digits and word characters. */
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b", Pattern.UNICODE_CHARACTER_CLASS);

    private UltraFeedbackParser() {}

    /** Parses {@code output} (null: the judge gave no answer) for {@code texts} generations. */
    static Judgement parse(UltraFeedbackAspect aspect, String output, int texts) {
        if (output == null) {
            List<BigInteger> noNumbers = Collections.nCopies(texts, null);
            List<String> noTexts = Collections.nCopies(texts, null);
            return aspect.hasTypes() ? new Judgement(noNumbers, noTexts, noNumbers, noTexts, null)
                    : new Judgement(noNumbers, noTexts, null, null, null);
        }
        List<BigInteger> ratings = new ArrayList<>();
        List<String> rationales = new ArrayList<>();
        List<BigInteger> types = aspect.hasTypes() ? new ArrayList<>() : null;
        List<String> ratingRationales = aspect.hasTypes() ? new ArrayList<>() : null;
        for (String section : splitSections(output)) {
            Matcher m = section.isEmpty() ? null : (aspect.hasTypes() ? TYPED : RATING).matcher(section);
            if (m == null || !m.find()) {
                ratings.add(null);
                rationales.add(null);
                if (types != null) {
                    types.add(null);
                    ratingRationales.add(null);
                }
                continue;
            }
            try {
                if (types != null) {
                    types.add(number(m.group(1)));
                    rationales.add(m.group(2));
                    ratings.add(number(m.group(3)));
                    ratingRationales.add(m.group(4));
                } else {
                    ratings.add(number(m.group(1)));
                    rationales.add(m.group(2));
                }
            } catch (NoNumberException e) {
                return Judgement.failed(e.getMessage());
            }
        }
        return new Judgement(ratings, rationales, types, ratingRationales, null);
    }

    /** {@code output.split("\n\n")} in Python: every piece kept, trailing empty ones too. */
    static List<String> splitSections(String output) {
        List<String> sections = new ArrayList<>();
        int from = 0;
        for (int at = output.indexOf("\n\n"); at >= 0; at = output.indexOf("\n\n", from)) {
            sections.add(output.substring(from, at));
            from = at + 2;
        }
        sections.add(output.substring(from));
        return sections;
    }

    /** null for exactly "None" or "N/A", else {@code int(re.findall(r"\b\d+\b", value)[0])}. */
    private static BigInteger number(String value) {
        if (value.equals("None") || value.equals("N/A")) {
            return null;
        }
        Matcher m = NUMBER.matcher(value);
        if (!m.find()) {
            throw new NoNumberException("no number in '" + value + "'");
        }
        String digits = m.group();
        StringBuilder ascii = new StringBuilder(digits.length());
        for (int i = 0; i < digits.length(); ) {
            int cp = digits.codePointAt(i);
            ascii.append((char) ('0' + Character.digit(cp, 10)));
            i += Character.charCount(cp);
        }
        return new BigInteger(ascii.toString());
    }

    private static final class NoNumberException extends RuntimeException {
        NoNumberException(String message) {
            super(message, null, false, false);
        }
    }
}
