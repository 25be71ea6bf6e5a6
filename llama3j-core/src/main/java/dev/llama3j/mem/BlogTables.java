package dev.llama3j.mem;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The memory tables of the Llama 3.1 launch blog (huggingface.co/blog/llama31, "How much memory does
 * Llama 3.1 need?"), as published, and why llama3j's exact figures differ from them.
 */
public final class BlogTables {
    public static final String URL = "https://huggingface.co/blog/llama31";
    /** The blog's KV-cache columns "1k", "16k", "128k", in tokens (its arithmetic shows these). */
    public static final int[] KV_TOKENS = {1024, 16000, 128000};

    /**
     * One model's row in each of the blog's three tables.
     *
     * @param weightsGb FP16, FP8 and INT4 weights, in GB
     * @param kvGb the FP16 KV cache at 1k, 16k and 128k tokens, in "GB" that are in fact GiB
     * @param trainingGb full fine-tuning, LoRA and Q-LoRA, in GB
     */
    public record Row(String model, double[] weightsGb, double[] kvGb, double[] trainingGb) {}

    private static final Row B8 = new Row("8B", new double[] {16, 8, 4}, new double[] {0.125, 1.95, 15.62},
            new double[] {60, 16, 6});
    private static final Row B70 = new Row("70B", new double[] {140, 70, 35}, new double[] {0.313, 4.88, 39.06},
            new double[] {300, 160, 48});
    private static final Row B405 = new Row("405B", new double[] {810, 405, 203},
            new double[] {0.984, 15.38, 123.05}, new double[] {3250, 950, 250});

    private BlogTables() {}

    /** The blog's row for a built-in preset (the 405B row for both 405B shapes), if any. */
    public static Optional<Row> forModel(ModelShape shape) {
        if (shape == KnownModels.LLAMA_3_1_8B) {
            return Optional.of(B8);
        }
        if (shape == KnownModels.LLAMA_3_1_70B) {
            return Optional.of(B70);
        }
        if (shape == KnownModels.LLAMA_3_1_405B || shape == KnownModels.LLAMA_3_1_405B_MP16) {
            return Optional.of(B405);
        }
        return Optional.empty();
    }

    /** The blog's weights column for a format (FP16 → bf16, FP8, INT4), or -1. */
    public static double weightsGb(Row row, WeightFormat format) {
        return switch (format) {
            case BF16 -> row.weightsGb()[0];
            case FP8 -> row.weightsGb()[1];
            case INT4 -> row.weightsGb()[2];
            default -> -1;
        };
    }

    /** The blog's KV figure for exactly this many tokens, or -1. */
    public static double kvGb(Row row, long tokens) {
        for (int i = 0; i < KV_TOKENS.length; i++) {
            if (KV_TOKENS[i] == tokens) {
                return row.kvGb()[i];
            }
        }
        return -1;
    }

    /** Sentences that reconcile the blog's inference tables with the exact figures for {@code shape}. */
    public static List<String> inferenceNotes(ModelShape shape) {
        List<String> notes = new ArrayList<>();
        Row row = forModel(shape).orElse(null);
        if (row == null) {
            return notes;
        }
        long p = shape.parameters();
        notes.add(String.format(Locale.ROOT, "The blog's weights (%s GB at FP16/FP8/INT4) are the nominal size, %s"
                + " billion parameters, times 2, 1 and 0.5 bytes, in GB (10^9 bytes). The exact count from the"
                + " shapes is %s, so %s / %s / %s GB. Real INT4 formats add scales (see q4_0, q4_k_m).",
                join(row.weightsGb()), row.model().replace("B", ""), ModelShape.shortCount(p),
                ByteSize.number(ByteSize.gb(p * 2)), ByteSize.number(ByteSize.gb(p)),
                ByteSize.number(ByteSize.gb(p / 2))));
        notes.add("The blog's KV-cache \"GB\" are GiB (2^30 bytes), and its \"1k\" column is 1,024 tokens while"
                + " \"16k\" and \"128k\" are 16,000 and 128,000; the model's maximum is 131,072 = 128Ki tokens.");
        if (row == B405) {
            ModelShape released = KnownModels.LLAMA_3_1_405B;
            ModelShape mp16 = KnownModels.LLAMA_3_1_405B_MP16;
            notes.add(String.format(Locale.ROOT, "The blog's 405B KV row (%s) is for 16 KV heads, the launch-time"
                    + " MP16 checkpoint (--model 405b-mp16 gives %s GiB). The released config.json has 8 KV heads,"
                    + " which halves it: %s GiB.", join(row.kvGb()), kvList(mp16), kvList(released)));
        }
        return notes;
    }

    /** Sentences on the blog's training table. */
    public static List<String> trainingNotes(ModelShape shape) {
        List<String> notes = new ArrayList<>();
        Row row = forModel(shape).orElse(null);
        if (row == null) {
            return notes;
        }
        long p = shape.parameters();
        TrainingMemory q = TrainingMemory.of(shape, TrainingSettings.defaults(TrainingMethod.QLORA));
        long nf4Base = q.item("weights").bytes() + q.item("nf4_scales").bytes() + q.item("unquantized").bytes();
        notes.add(String.format(Locale.ROOT, "The blog's training table (%s GB for %s full / LoRA / Q-LoRA) states"
                + " no assumptions. Its LoRA and Q-LoRA figures are close to the frozen base alone (%s GB in bf16,"
                + " %s GB in NF4), without adapter, optimizer or activations; 8 bytes per parameter (bf16"
                + " weights, gradients and Adam moments, no fp32 master copy) gives %s GB for full fine-tuning,"
                + " mixed precision's 16 gives %s GB before activations.",
                join(row.trainingGb()), row.model(), ByteSize.number(ByteSize.gb(p * 2)),
                ByteSize.number(ByteSize.gb(nf4Base)), ByteSize.number(ByteSize.gb(p * 8)),
                ByteSize.number(ByteSize.gb(p * 16))));
        return notes;
    }

    private static String kvList(ModelShape s) {
        List<String> parts = new ArrayList<>();
        for (int t : KV_TOKENS) {
            parts.add(ByteSize.number(ByteSize.gib(InferenceMemory.kvCacheBytes(s, t, CacheType.F16))));
        }
        return String.join(" / ", parts);
    }

    private static String join(double[] values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v));
        }
        return String.join(" / ", parts);
    }
}
