package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.gguf.RotaryPermutation;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainable A/B pairs of a LoRA over every layer's targeted projections, fp32, with their
 * gradients, named as PEFT saves them. A is {@code lora_A.weight} ({@code rank × in}), B is
 * {@code lora_B.weight} ({@code out × rank}).
 *
 * <p>Values are kept in the base model's row order: on a GGUF base, whose Q and K rows are permuted
 * for llama.cpp's rotary layout, B of {@code q_proj}/{@code k_proj} has its rows in GGUF order.
 * {@link #peftValues} and {@link #setPeft} convert to and from PEFT's (Hugging Face) order.
 */
public final class LoraParameters {
    private final LlamaConfig config;
    private final RopeLayout layout;
    private final LoraTrainingSpec spec;
    private final TrainableTensor[][] a; // [layer][projection ordinal], null where not targeted
    private final TrainableTensor[][] b;
    private final List<TrainableTensor> all;
    private final Map<String, TrainableTensor> byName;

    private LoraParameters(LlamaConfig config, RopeLayout layout, LoraTrainingSpec spec) {
        this.config = config;
        this.layout = layout;
        this.spec = spec;
        int layers = config.numLayers();
        int np = Projection.values().length;
        a = new TrainableTensor[layers][np];
        b = new TrainableTensor[layers][np];
        List<TrainableTensor> list = new ArrayList<>();
        Map<String, TrainableTensor> names = new LinkedHashMap<>();
        int r = spec.rank();
        for (int l = 0; l < layers; l++) {
            for (Projection p : Projection.values()) {
                if (!spec.targets(p)) {
                    continue;
                }
                int in = p.in(config);
                int out = p.out(config);
                String prefix = "base_model.model.model.layers." + l + "." + p.path() + ".";
                TrainableTensor ta = new TrainableTensor(prefix + "lora_A.weight", r, in, new float[r * in],
                        new float[r * in]);
                TrainableTensor tb = new TrainableTensor(prefix + "lora_B.weight", out, r, new float[out * r],
                        new float[out * r]);
                a[l][p.ordinal()] = ta;
                b[l][p.ordinal()] = tb;
                list.add(ta);
                list.add(tb);
                names.put(ta.name(), ta);
                names.put(tb.name(), tb);
            }
        }
        all = Collections.unmodifiableList(list);
        byName = names;
    }

    /** Trainable values of a LoRA {@code spec} over a model of shape {@code config}: r × (in + out) per pair. */
    public static long count(LlamaConfig config, LoraTrainingSpec spec) {
        long sum = 0;
        for (Projection p : spec.targets()) {
            sum += (long) spec.rank() * (p.in(config) + p.out(config));
        }
        return sum * config.numLayers();
    }

    /**
     * New parameters initialised as PEFT does: A kaiming-uniform ({@code a = sqrt(5)}, so uniform in
     * {@code ±1/sqrt(in)}), B zero, so training starts from the base model's outputs. The draws come
     * from {@code seed} in the order of {@link #tensors()}.
     */
    public static LoraParameters initialize(LlamaConfig config, RopeLayout layout, LoraTrainingSpec spec, long seed) {
        LoraParameters params = new LoraParameters(config, layout, spec);
        SplittableRandom random = new SplittableRandom(seed);
        for (TrainableTensor t : params.all) {
            if (t.name().endsWith("lora_A.weight")) {
                float bound = (float) (1.0 / Math.sqrt(t.cols()));
                float[] v = t.values();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((2 * random.nextDouble() - 1) * bound);
                }
            }
        }
        return params;
    }

    public LoraTrainingSpec spec() {
        return spec;
    }

    public LlamaConfig config() {
        return config;
    }

    /** Every tensor, layer by layer, projections in {@link Projection} order, A before B. */
    public List<TrainableTensor> tensors() {
        return all;
    }

    /** The tensor named {@code name} (PEFT's name), or null. */
    public TrainableTensor byName(String name) {
        return byName.get(name);
    }

    /** A of {@code p} in {@code layer}, or null when {@code p} is not targeted. */
    public TrainableTensor a(int layer, Projection p) {
        return a[layer][p.ordinal()];
    }

    /** B of {@code p} in {@code layer} (base model row order), or null when {@code p} is not targeted. */
    public TrainableTensor b(int layer, Projection p) {
        return b[layer][p.ordinal()];
    }

    /** Number of trainable values. */
    public long count() {
        long n = 0;
        for (TrainableTensor t : all) {
            n += t.size();
        }
        return n;
    }

    public void zeroGradients() {
        for (TrainableTensor t : all) {
            Arrays.fill(t.gradients(), 0f);
        }
    }

    /** {@code t}'s values in PEFT's (Hugging Face) row order, a copy. */
    public float[] peftValues(TrainableTensor t) {
        return toPeft(t, t.values());
    }

    /** {@code t}'s gradients in PEFT's row order, a copy. */
    public float[] peftGradients(TrainableTensor t) {
        return toPeft(t, t.gradients());
    }

    /** Sets the tensor named {@code name} from values in PEFT's row order (e.g. read from an adapter file). */
    public void setPeft(String name, float[] values) {
        TrainableTensor t = byName.get(name);
        if (t == null) {
            throw new InvalidRequestException("no trainable LoRA tensor named '" + name + "'", "adapter");
        }
        if (values.length != t.size()) {
            throw new InvalidRequestException("LoRA tensor '" + name + "': " + values.length + " values, expected "
                    + t.rows() + "x" + t.cols(), "adapter");
        }
        int heads = permutedHeads(t);
        float[] v = heads > 0 ? RotaryPermutation.hfToGguf(values, t.rows(), t.cols(), heads) : values;
        System.arraycopy(v, 0, t.values(), 0, v.length);
    }

    private float[] toPeft(TrainableTensor t, float[] v) {
        int heads = permutedHeads(t);
        return heads > 0 ? RotaryPermutation.ggufToHf(v, t.rows(), t.cols(), heads) : v.clone();
    }

    /** The head count by which {@code t}'s rows are permuted (B of Q or K on an interleaved base), else 0. */
    private int permutedHeads(TrainableTensor t) {
        if (layout != RopeLayout.INTERLEAVED || !t.name().endsWith("lora_B.weight")) {
            return 0;
        }
        if (t.name().contains(".q_proj.")) {
            return config.numHeads();
        }
        if (t.name().contains(".k_proj.")) {
            return config.numKvHeads();
        }
        return 0;
    }
}
