import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line (listed in Load.java's header, which `bench/load --help` prints), parsed once at start. */
final class Options {
    static final Path ROOT = Path.of(System.getProperty("load.root", ".")).toAbsolutePath().normalize();
    static final Path DEFAULT_MODEL = ROOT.resolve("bench/.cache/models/1b-q4_0.gguf");
    static final Set<String> SCENARIOS = Set.of("throughput", "ttft", "soak");

    static Path model = DEFAULT_MODEL;
    static int threads = 2;
    static int parallel = 8;
    static int batchSize = 0;
    static int shortTokens = 4;
    static int shortConcurrency = 4;
    static Set<String> scenarios = new LinkedHashSet<>(List.of("throughput", "ttft"));
    static int tokens = 64;
    static int reps = 1;
    static int clientsMany = 8;
    static double minRatio = 4;
    static int longPrompt = 2000;
    static double interval = 0.5;
    static double maxTtft = 2;
    static double duration = 120;
    static int soakClients = 64;
    static double cancelShare = 0.3;
    static double rssEvery = 5;
    static long seed = 42;
    static double maxMinutes = 40;
    static List<String> serverArgs = new ArrayList<>();

    private Options() {}

    /** Sets the options from {@code a}; prints the help and exits for -h/--help. */
    static void parse(String[] a) {
        boolean soakFlag = false;
        String only = null;
        for (int i = 0; i < a.length; i++) {
            String o = a[i];
            if (o.equals("--soak")) {
                soakFlag = true;
                continue;
            }
            if (i + 1 >= a.length) {
                throw new IllegalArgumentException("unknown option or missing value: " + o);
            }
            String v = a[++i];
            switch (o) {
                case "--model" -> model = Path.of(v).toAbsolutePath();
                case "--threads" -> threads = posInt(o, v);
                case "--parallel" -> parallel = posInt(o, v);
                case "--batch-size" -> batchSize = posInt(o, v);
                case "--short-tokens" -> shortTokens = posInt(o, v);
                case "--short-concurrency" -> shortConcurrency = posInt(o, v);
                case "--only" -> only = v;
                case "--tokens" -> tokens = posInt(o, v);
                case "--reps" -> reps = posInt(o, v);
                case "--clients-many" -> clientsMany = posInt(o, v);
                case "--min-ratio" -> minRatio = posNum(o, v);
                case "--long-prompt" -> longPrompt = posInt(o, v);
                case "--interval" -> interval = posNum(o, v);
                case "--max-ttft" -> maxTtft = posNum(o, v);
                case "--duration" -> duration = posNum(o, v);
                case "--soak-clients" -> soakClients = posInt(o, v);
                case "--cancel" -> cancelShare = Double.parseDouble(v);
                case "--rss-every" -> rssEvery = posNum(o, v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--max-minutes" -> maxMinutes = posNum(o, v);
                case "--server-arg" -> serverArgs.add(v);
                default -> throw new IllegalArgumentException("unknown option " + o);
            }
        }
        if (only != null) {
            scenarios.clear();
            for (String s : only.split(",")) {
                if (!SCENARIOS.contains(s.trim())) {
                    throw new IllegalArgumentException("--only takes throughput, ttft and soak, not " + s);
                }
                scenarios.add(s.trim());
            }
        }
        if (soakFlag) {
            scenarios.add("soak");
        }
        if (cancelShare < 0 || cancelShare > 1) {
            throw new IllegalArgumentException("--cancel must be between 0 and 1");
        }
    }

    private static int posInt(String o, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(o + " must be at least 1");
        }
        return n;
    }

    private static double posNum(String o, String v) {
        double d = Double.parseDouble(v);
        if (!(d > 0)) {
            throw new IllegalArgumentException(o + " must be positive");
        }
        return d;
    }
}
