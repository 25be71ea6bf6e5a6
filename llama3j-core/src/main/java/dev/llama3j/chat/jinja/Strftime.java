package dev.llama3j.chat.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} for the directives chat templates use
 * ({@code strftime_now("%d %b %Y")} in Llama 3.2), in English as Python's C locale writes them,
 * plus glibc's {@code %-d} (no padding). Unknown directives are kept as written.
 */
final class Strftime {
    private Strftime() {}

    static String format(String pattern, ZonedDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                sb.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < pattern.length()) {
                noPad = true;
                d = pattern.charAt(++i);
            }
            String s = switch (d) {
                case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'm' -> pad(t.getMonthValue(), 2, noPad);
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> pad(t.getYear() % 100, 2, noPad);
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                case 'H' -> pad(t.getHour(), 2, noPad);
                case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'M' -> pad(t.getMinute(), 2, noPad);
                case 'S' -> pad(t.getSecond(), 2, noPad);
                case 'f' -> String.format("%06d", t.getNano() / 1000);
                case 'j' -> pad(t.getDayOfYear(), 3, noPad);
                case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'F' -> String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
                case 'T' -> String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
                case '%' -> "%";
                default -> "%" + (noPad ? "-" : "") + d;
            };
            sb.append(s);
        }
        return sb.toString();
    }

    private static String pad(int value, int width, boolean noPad) {
        return noPad ? Integer.toString(value) : String.format("%0" + width + "d", value);
    }
}
