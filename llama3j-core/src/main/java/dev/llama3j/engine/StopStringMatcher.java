package dev.llama3j.engine;

import java.util.List;

/**
 * Watches generated text for stop strings. Text that might be the start of a stop string is held
 * back until it is known not to be, so a streamed reply never shows part of a stop string.
 */
final class StopStringMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStringMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds text; returns what can be released now. */
    String append(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        pending.append(text);
        int earliest = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (earliest < 0 || i < earliest)) {
                earliest = i;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, pending.length()); k > hold; k--) {
                if (endsWithPrefix(pending, s, k)) {
                    hold = k;
                    break;
                }
            }
        }
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    private static boolean endsWithPrefix(StringBuilder sb, String s, int k) {
        int start = sb.length() - k;
        for (int i = 0; i < k; i++) {
            if (sb.charAt(start + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Held-back text, released at the end when no stop string completed. */
    String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }
}
