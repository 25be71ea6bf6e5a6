package dev.llama3j.cli;

import dev.llama3j.json.Json;
import dev.llama3j.mem.ByteSize;
import dev.llama3j.train.FinetuneRun;
import dev.llama3j.train.TrainingListener;
import dev.llama3j.train.TrainingProfile;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code finetune} shows a run: on a terminal, one progress line on stderr redrawn in place (step,
 * loss, learning rate, tokens/s, ETA); otherwise one JSON object per line on stdout for each step,
 * evaluation and checkpoint, for logs and scripts.
 */
final class FinetuneProgress implements TrainingListener {
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private int firstStep = -1;

    private FinetuneProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    static FinetuneProgress forConsole() {
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new FinetuneProgress(terminal ? System.err : System.out, terminal);
    }

    @Override
    public void step(Step s) {
        if (firstStep < 0) {
            firstStep = s.step() - 1; // a resumed run's speed counts from where it started
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = elapsed / (s.step() - firstStep) * (s.totalSteps() - s.step());
        if (terminal) {
            double f = (double) s.step() / s.totalSteps();
            int filled = (int) Math.round(f * WIDTH);
            out.printf(Locale.ROOT, "\r[%s%s] step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %s   ",
                    "#".repeat(filled), ".".repeat(WIDTH - filled), s.step(), s.totalSteps(), s.loss(), s.lr(),
                    s.tokensPerSecond(), duration(eta));
            if (s.step() == s.totalSteps()) {
                out.println();
            }
            out.flush();
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", s.step());
        m.put("total_steps", s.totalSteps());
        m.put("epoch", round(s.epoch(), 4));
        m.put("loss", round(s.loss(), 6));
        m.put("lr", s.lr());
        m.put("grad_norm", round(s.gradNorm(), 6));
        m.put("tokens", s.tokens());
        m.put("tokens_per_second", round(s.tokensPerSecond(), 1));
        m.put("eta_seconds", round(eta, 1));
        out.println(Json.writeCompact(m));
        out.flush();
    }

    @Override
    public void eval(int step, double loss) {
        if (terminal) {
            out.printf(Locale.ROOT, "%nstep %d: eval loss %.4f%n", step, loss);
        } else {
            out.println(Json.writeCompact(Map.of("step", step, "eval_loss", round(loss, 6))));
        }
        out.flush();
    }

    @Override
    public void saved(int step, Path dir) {
        if (terminal) {
            out.printf(Locale.ROOT, "%nstep %d: checkpoint %s%n", step, dir);
        } else {
            out.println(Json.writeCompact(Map.of("step", step, "checkpoint", dir.toString())));
        }
        out.flush();
    }

    /**
     * The run's closing line on stderr (speed, where the time went, peak resident memory against the
     * plan) and, when not on a terminal, the same as a JSON object on stdout.
     */
    void summary(FinetuneRun.Result r, long planned, RunMemory memory) {
        TrainingProfile p = r.profile();
        String ratio = memory.peakResident() > 0
                ? String.format(Locale.ROOT, " (%.2f of the plan)", (double) memory.peakResident() / planned) : "";
        System.err.printf(Locale.ROOT, "%d steps, %d tokens in %.1fs: %.2f tokens/s; peak resident memory %s%s,"
                + " planned %s; Java heap peak %s of %s%n  %s%n", r.steps(), r.tokens(), p.totalNanos() / 1e9,
                r.tokensPerSecond(), memory.peakResident() < 0 ? "unknown" : ByteSize.formatBinary(memory.peakResident()),
                ratio, ByteSize.formatBinary(planned), ByteSize.formatBinary(memory.heapPeak()),
                ByteSize.formatBinary(memory.heapMax()), p.describe());
        if (terminal) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("summary", true);
        m.put("steps", r.steps());
        m.put("tokens", r.tokens());
        m.put("seconds", round(p.totalNanos() / 1e9, 3));
        m.put("tokens_per_second", round(r.tokensPerSecond(), 2));
        m.put("loss", round(r.lastLoss(), 6));
        if (!Double.isNaN(r.evalLoss())) {
            m.put("eval_loss", round(r.evalLoss(), 6));
        }
        m.put("peak_resident_bytes", memory.peakResident());
        m.put("planned_bytes", planned);
        m.put("heap_peak_bytes", memory.heapPeak());
        m.put("heap_max_bytes", memory.heapMax());
        Map<String, Object> t = new LinkedHashMap<>();
        p.seconds().forEach((k, v) -> t.put(k, round(v, 3)));
        m.put("time_seconds", t);
        out.println(Json.writeCompact(m));
        out.flush();
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Double.isFinite(v) ? Math.round(v * f) / f : v;
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
