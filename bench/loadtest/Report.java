import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/** The table printed at the end: one row per measure, with its check (PASS/FAIL) where it has one. */
final class Report {
    private static final List<String[]> TABLE = new ArrayList<>();
    private static final AtomicBoolean FAILED = new AtomicBoolean();

    private Report() {}

    static void row(String scenario, String metric, String value, String check) {
        synchronized (TABLE) {
            TABLE.add(new String[] {scenario, metric, value, check});
        }
    }

    /** The check column's text; a failed check fails the run, and a failed request gets a row of its own. */
    static String check(String scenario, String what, boolean ok) {
        if (!ok) {
            FAILED.set(true);
            if (what.startsWith("request failed") || what.startsWith("long request") || what.startsWith("short request")) {
                row(scenario, "ERROR", what, "FAIL");
            }
        }
        return what + "  " + (ok ? "PASS" : "FAIL");
    }

    static boolean failed() {
        return FAILED.get();
    }

    static void print() {
        int[] w = new int[4];
        for (String[] r : TABLE) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        String fmt = "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %s%n";
        System.out.println();
        System.out.printf(fmt, "scenario", "metric", "value", "check");
        System.out.println("-".repeat(w[0] + w[1] + w[2] + Math.max(w[3], 5) + 6));
        for (String[] r : TABLE) {
            System.out.printf(fmt, (Object[]) r);
        }
        System.out.println();
    }

    static String mib(long kb) {
        return kb < 0 ? "?" : String.format(Locale.ROOT, "%.0f MiB", kb / 1024.0);
    }
}
