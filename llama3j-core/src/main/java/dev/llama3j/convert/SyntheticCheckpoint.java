package dev.llama3j.convert;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.quant.Int4Weights;
import dev.llama3j.quant.QuantizedLayerPacker;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsWriter;
import dev.llama3j.tensor.Fp8;
import dev.llama3j.tensor.Int4Codes;
import dev.llama3j.tensor.Quantizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Writes a random-weight Hugging Face folder in one of the published quantized formats, for speed
 * benchmarks without the checkpoints: {@code config.json} with the {@code quantization_config} the
 * published Llama 3.1 checkpoints carry (hugging-quants' AWQ-INT4 and GPTQ-INT4, Neural Magic's FP8-dynamic
 * and w4a16, Meta's fbgemm FP8), the tokenizer files of a tokenizer folder, and the layers packed by
 * {@link QuantizedLayerPacker}. One shard for the embedding, final norm and lm_head (written a row at a
 * time), then one per decoder layer, so memory holds one layer's packed tensors at most.
 *
 * <p>Weights are random codes (INT4: uniform 0..15; FP8: uniform values in ±448, rounded to E4M3) with
 * scales that give a standard deviation near 0.02, like {@link SyntheticModel}; each tensor has its own
 * generator seeded by (seed, tensor index), so a folder depends only on its arguments.
 */
public final class SyntheticCheckpoint {
    /** The group size of the published INT4 checkpoints. */
    public static final int PUBLISHED_GROUP_SIZE = 128;

    private static final float STD = 0.02f;
    private static final String[] PROJECTIONS = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
        "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    /** The formats, by their command-line names. */
    public enum Format {
        /** hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4: AutoAWQ GEMM, zero point, fp16. */
        AWQ("awq", "float16"),
        /** hugging-quants/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4: AutoGPTQ, symmetric, desc_act, zeros minus one. */
        GPTQ("gptq", "float16"),
        /** neuralmagic/Meta-Llama-3.1-8B-Instruct-quantized.w4a16: compressed-tensors pack-quantized, symmetric. */
        CT_INT4("ct-int4", "bfloat16"),
        /** neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8-dynamic: per-channel weights, dynamic per-token inputs. */
        CT_FP8("ct-fp8", "bfloat16"),
        /** meta-llama/Llama-3.1-405B-Instruct-FP8's format: fbgemm_fp8, FP8 MLPs of the middle layers. */
        FBGEMM_FP8("fbgemm-fp8", "bfloat16");

        public final String label;
        final String torchDtype;

        Format(String label, String torchDtype) {
            this.label = label;
            this.torchDtype = torchDtype;
        }

        /** Whether {@code name} is one of these formats. */
        public static boolean isFormat(String name) {
            return find(name) != null;
        }

        /** The format called {@code name}. */
        public static Format parse(String name) {
            Format f = find(name);
            if (f == null) {
                throw new InvalidRequestException("unknown quantized checkpoint type '" + name
                        + "'; expected awq, gptq, ct-int4, ct-fp8 or fbgemm-fp8", "type");
            }
            return f;
        }

        private static Format find(String name) {
            for (Format f : values()) {
                if (f.label.equals(name.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            return null;
        }

        /** The dtype of the tensors the format leaves unquantized (embedding, norms, excluded layers). */
        String plainDtype() {
            return torchDtype.equals("float16") ? "F16" : "BF16";
        }
    }

    private SyntheticCheckpoint() {}

    /**
     * Writes the folder {@code dir} (created; files already there are replaced) with the tokenizer files
     * of {@code tokenizerDir}.
     *
     * @param groupSize the INT4 group size ({@link #PUBLISHED_GROUP_SIZE}; tests use less on tiny shapes)
     */
    public static HfToGgufConverter.Result write(Path dir, LlamaConfig c, Format format, int groupSize, long seed,
            Path tokenizerDir, ConversionProgress progress) {
        if (c.hiddenSize() % groupSize != 0 || c.intermediateSize() % groupSize != 0 || c.qDim() % groupSize != 0) {
            throw new InvalidRequestException("group size " + groupSize + " does not divide the shape's input sizes ("
                    + c.hiddenSize() + ", " + c.qDim() + ", " + c.intermediateSize() + ")", "shape");
        }
        try {
            Files.createDirectories(dir);
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
                if (Files.isRegularFile(tokenizerDir.resolve(f))) {
                    Files.copy(tokenizerDir.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(dir.resolve("config.json"), Json.write(config(c, format, groupSize), 2, false) + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write: " + e.getMessage(), e);
        }
        Writer w = new Writer(dir, c, format, groupSize, seed, progress);
        w.writeAll();
        return new HfToGgufConverter.Result(dir, w.bytesDone, w.weightMap.size(), w.byDtype);
    }

    /** The Llama 3.1 {@code config.json} of shape {@code c}, with the format's {@code quantization_config}. */
    static Map<String, Object> config(LlamaConfig c, Format format, int groupSize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("attention_bias", false);
        m.put("attention_dropout", 0.0);
        m.put("bos_token_id", c.bosTokenId());
        List<Object> eos = new ArrayList<>();
        for (int id : c.eosTokenIds()) {
            eos.add(id);
        }
        m.put("eos_token_id", eos);
        m.put("head_dim", c.headDim());
        m.put("hidden_act", "silu");
        m.put("hidden_size", c.hiddenSize());
        m.put("initializer_range", 0.02);
        m.put("intermediate_size", c.intermediateSize());
        m.put("max_position_embeddings", c.maxPositions());
        m.put("mlp_bias", false);
        m.put("model_type", "llama");
        m.put("num_attention_heads", c.numHeads());
        m.put("num_hidden_layers", c.numLayers());
        m.put("num_key_value_heads", c.numKvHeads());
        m.put("pretraining_tp", 1);
        m.put("quantization_config", quantizationConfig(c, format, groupSize));
        m.put("rms_norm_eps", (double) c.rmsNormEps());
        Map<String, Object> rope = new LinkedHashMap<>();
        rope.put("factor", c.ropeScaling().factor());
        rope.put("high_freq_factor", c.ropeScaling().highFreqFactor());
        rope.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
        rope.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
        rope.put("rope_type", c.ropeScaling().type());
        m.put("rope_scaling", rope);
        m.put("rope_theta", c.ropeTheta());
        m.put("tie_word_embeddings", c.tieWordEmbeddings());
        m.put("torch_dtype", format.torchDtype);
        m.put("use_cache", true);
        m.put("vocab_size", c.vocabSize());
        return m;
    }

    /** The {@code quantization_config} as the published checkpoints spell it. */
    static Map<String, Object> quantizationConfig(LlamaConfig c, Format format, int groupSize) {
        Map<String, Object> q = new LinkedHashMap<>();
        switch (format) {
            case AWQ -> {
                q.put("bits", 4);
                q.put("group_size", groupSize);
                q.put("modules_to_not_convert", null);
                q.put("quant_method", "awq");
                q.put("version", "gemm");
                q.put("zero_point", true);
            }
            case GPTQ -> {
                q.put("bits", 4);
                q.put("damp_percent", 0.1);
                q.put("desc_act", true);
                q.put("group_size", groupSize);
                q.put("is_marlin_format", false);
                q.put("model_file_base_name", null);
                q.put("model_name_or_path", null);
                q.put("quant_method", "gptq");
                q.put("static_groups", false);
                q.put("sym", true);
                q.put("true_sequential", true);
            }
            case CT_INT4, CT_FP8 -> {
                boolean fp8 = format == Format.CT_FP8;
                Map<String, Object> weights = new LinkedHashMap<>();
                weights.put("actorder", null);
                weights.put("block_structure", null);
                weights.put("dynamic", false);
                weights.put("group_size", fp8 ? null : groupSize);
                weights.put("num_bits", fp8 ? 8 : 4);
                weights.put("observer", "minmax");
                weights.put("observer_kwargs", Map.of());
                weights.put("strategy", fp8 ? "channel" : "group");
                weights.put("symmetric", true);
                weights.put("type", fp8 ? "float" : "int");
                Map<String, Object> inputs = null;
                if (fp8) {
                    inputs = new LinkedHashMap<>();
                    inputs.put("actorder", null);
                    inputs.put("block_structure", null);
                    inputs.put("dynamic", true);
                    inputs.put("group_size", null);
                    inputs.put("num_bits", 8);
                    inputs.put("observer", null);
                    inputs.put("observer_kwargs", Map.of());
                    inputs.put("strategy", "token");
                    inputs.put("symmetric", true);
                    inputs.put("type", "float");
                }
                Map<String, Object> group = new LinkedHashMap<>();
                group.put("input_activations", inputs);
                group.put("output_activations", null);
                group.put("targets", List.of("Linear"));
                group.put("weights", weights);
                q.put("config_groups", Map.of("group_0", group));
                q.put("format", fp8 ? "float-quantized" : "pack-quantized");
                q.put("global_compression_ratio", null);
                q.put("ignore", List.of("lm_head"));
                q.put("kv_cache_scheme", null);
                q.put("quant_method", "compressed-tensors");
                q.put("quantization_status", "compressed");
            }
            case FBGEMM_FP8 -> {
                q.put("activation_scale_ub", 1200.0);
                q.put("modules_to_not_convert", fbgemmNotConverted(c.numLayers()));
                q.put("quant_method", "fbgemm_fp8");
            }
        }
        return q;
    }

    /** As in Llama-3.1-405B-Instruct-FP8: attention everywhere, the MLP of the first and last layer, lm_head. */
    static List<String> fbgemmNotConverted(int layers) {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < 4; p++) {
                names.add("model.layers." + l + "." + PROJECTIONS[p]);
            }
        }
        for (int l : new int[] {0, layers - 1}) {
            for (int p = 4; p < 7; p++) {
                names.add("model.layers." + l + "." + PROJECTIONS[p]);
            }
        }
        names.add("lm_head");
        return names;
    }

    /** Writes the shards and the index, counting bytes for progress and the summary. */
    private static final class Writer {
        final Path dir;
        final LlamaConfig c;
        final Format format;
        final int groupSize;
        final long seed;
        final ConversionProgress progress;
        final Map<String, String> weightMap = new TreeMap<>();
        final Map<String, Integer> byDtype = new TreeMap<>();
        final List<String> notConverted;
        final long bytesTotal;
        final int shards;
        long bytesDone;
        int tensorIndex;
        int generators;

        Writer(Path dir, LlamaConfig c, Format format, int groupSize, long seed, ConversionProgress progress) {
            this.dir = dir;
            this.c = c;
            this.format = format;
            this.groupSize = groupSize;
            this.seed = seed;
            this.progress = progress;
            this.notConverted = format == Format.FBGEMM_FP8 ? fbgemmNotConverted(c.numLayers()) : List.of();
            this.shards = 1 + c.numLayers();
            this.bytesTotal = estimatedBytes();
        }

        void writeAll() {
            List<SafetensorsWriter.Streamed> first = new ArrayList<>();
            first.add(randomPlain("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize()));
            first.add(ones("model.norm.weight", c.hiddenSize()));
            if (!c.tieWordEmbeddings()) {
                first.add(randomPlain("lm_head.weight", c.vocabSize(), c.hiddenSize()));
            }
            shard(1, first);
            for (int l = 0; l < c.numLayers(); l++) {
                List<SafetensorsWriter.Streamed> layer = new ArrayList<>();
                String prefix = "model.layers." + l + ".";
                layer.add(ones(prefix + "input_layernorm.weight", c.hiddenSize()));
                layer.add(ones(prefix + "post_attention_layernorm.weight", c.hiddenSize()));
                for (String p : PROJECTIONS) {
                    String module = prefix + p;
                    int rows = switch (p) {
                        case "self_attn.q_proj" -> c.qDim();
                        case "self_attn.k_proj", "self_attn.v_proj" -> c.kvDim();
                        case "mlp.gate_proj", "mlp.up_proj" -> c.intermediateSize();
                        default -> c.hiddenSize();
                    };
                    int cols = switch (p) {
                        case "self_attn.o_proj" -> c.qDim();
                        case "mlp.down_proj" -> c.intermediateSize();
                        default -> c.hiddenSize();
                    };
                    if (notConverted.contains(module)) {
                        layer.add(randomPlain(module + ".weight", rows, cols));
                    } else {
                        for (QuantizedLayerPacker.Part part : quantized(module, rows, cols)) {
                            byte[] data = part.data();
                            layer.add(counted(new SafetensorsWriter.Streamed(module + part.suffix(), part.dtype(),
                                    part.shape(), data.length, out -> out.write(data))));
                        }
                    }
                }
                shard(2 + l, layer);
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("metadata", Map.of("total_size", bytesDone));
            index.put("weight_map", weightMap);
            try {
                Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), Json.write(index, 2, false) + "\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot write: " + e.getMessage(), e);
            }
        }

        private void shard(int number, List<SafetensorsWriter.Streamed> tensors) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", number, shards);
            for (SafetensorsWriter.Streamed t : tensors) {
                weightMap.put(t.name(), name);
                byDtype.merge(t.dtype(), 1, Integer::sum);
            }
            SafetensorsWriter.writeStreamed(dir.resolve(name), tensors, Map.of("format", "pt"));
        }

        /** The module's tensors in the format's layout, from random codes and scales. */
        private List<QuantizedLayerPacker.Part> quantized(String module, int rows, int cols) {
            SplittableRandom rnd = generator();
            if (format == Format.CT_FP8 || format == Format.FBGEMM_FP8) {
                byte[] e4m3 = new byte[rows * cols];
                for (int i = 0; i < e4m3.length; i += 2) {
                    int bits = rnd.nextInt();
                    e4m3[i] = E4M3_OF_UNIFORM[bits & 0xffff];
                    if (i + 1 < e4m3.length) {
                        e4m3[i + 1] = E4M3_OF_UNIFORM[bits >>> 16];
                    }
                }
                float[] scales = new float[rows];
                for (int r = 0; r < rows; r++) {
                    scales[r] = (float) (STD * Math.sqrt(3) / Fp8.E4M3_MAX * (0.75 + 0.5 * rnd.nextDouble()));
                }
                return QuantizedLayerPacker.fp8(rows, cols, e4m3, scales, format == Format.FBGEMM_FP8 ? "F32" : "BF16");
            }
            byte[] codes = new byte[rows * cols];
            for (int i = 0; i < codes.length; i += 8) {
                int bits = rnd.nextInt();
                for (int k = 0; k < 8 && i + k < codes.length; k++) {
                    codes[i + k] = (byte) ((bits >>> (4 * k)) & 15);
                }
            }
            int groups = cols / groupSize;
            float[] scales = new float[rows * groups];
            float[] zeros = new float[rows * groups];
            for (int g = 0; g < scales.length; g++) {
                // (code - zero) spans about ±7.5: this gives values of standard deviation near STD
                float s = (float) (STD * Math.sqrt(3) / 7.5 * (0.75 + 0.5 * rnd.nextDouble()));
                scales[g] = format == Format.CT_INT4 ? s : Float.float16ToFloat(Float.floatToFloat16(s));
                zeros[g] = format == Format.AWQ ? 7 + rnd.nextInt(3) : 8;
            }
            int[] order = null;
            if (format == Format.GPTQ) { // desc_act: a random order of the inputs stands in for the Hessian's
                order = new int[cols];
                for (int i = 0; i < cols; i++) {
                    order[i] = i;
                }
                for (int i = cols - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            Int4Weights w = new Int4Weights(module + ".weight", rows, cols, groupSize, Int4Codes.of(codes, cols),
                    scales, zeros, order);
            return switch (format) {
                case AWQ -> QuantizedLayerPacker.awq(w);
                case GPTQ -> QuantizedLayerPacker.gptq(w, true);
                default -> QuantizedLayerPacker.compressedInt4(w);
            };
        }

        /** A {@code rows × cols} matrix of uniform values of standard deviation STD in the format's plain dtype. */
        private SafetensorsWriter.Streamed randomPlain(String name, int rows, int cols) {
            SplittableRandom rnd = generator();
            boolean f16 = format.plainDtype().equals("F16");
            float scale = (float) (STD * Math.sqrt(3) * 0x1p-23);
            return counted(new SafetensorsWriter.Streamed(name, format.plainDtype(), new long[] {rows, cols},
                    2L * rows * cols, out -> {
                        ByteBuffer row = ByteBuffer.allocate(2 * cols).order(ByteOrder.LITTLE_ENDIAN);
                        for (int r = 0; r < rows; r++) {
                            row.clear();
                            for (int i = 0; i < cols; i++) {
                                float v = (rnd.nextInt() >> 8) * scale; // 24 random bits, in [-2^23, 2^23)
                                row.putShort(f16 ? Float.floatToFloat16(v) : Quantizer.floatToBf16(v));
                            }
                            out.write(row.array());
                        }
                    }));
        }

        private SafetensorsWriter.Streamed ones(String name, int n) {
            short one = format.plainDtype().equals("F16") ? Float.floatToFloat16(1f) : Quantizer.floatToBf16(1f);
            ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putShort(one);
            }
            byte[] data = b.array();
            return counted(new SafetensorsWriter.Streamed(name, format.plainDtype(), new long[] {n}, data.length,
                    out -> out.write(data)));
        }

        /** Reports progress once the tensor's bytes are written. */
        private SafetensorsWriter.Streamed counted(SafetensorsWriter.Streamed t) {
            return new SafetensorsWriter.Streamed(t.name(), t.dtype(), t.shape(), t.bytes(), out -> {
                t.body().writeTo(out);
                bytesDone += t.bytes();
                progress.update(t.name(), tensorIndex, weightMap.size(), bytesDone, Math.max(bytesTotal, bytesDone));
                tensorIndex++;
            });
        }

        /** The next tensor's generator, seeded by (seed, how many tensors came before). */
        private SplittableRandom generator() {
            long tensorSeed = new SplittableRandom(seed).split().nextLong()
                    ^ (0x9E3779B97F4A7C15L * (++generators));
            return new SplittableRandom(tensorSeed);
        }

        /** About the folder's tensor bytes (for the progress bar): 16-bit plain tensors, 4 or 8 bits per layer weight. */
        private long estimatedBytes() {
            long plain = 2L * c.vocabSize() * c.hiddenSize() * (c.tieWordEmbeddings() ? 1 : 2);
            long perLayer = (long) c.hiddenSize() * (2L * c.qDim() + 2L * c.kvDim()) // q, o, k, v
                    + 3L * c.hiddenSize() * c.intermediateSize();
            boolean fp8 = format == Format.CT_FP8 || format == Format.FBGEMM_FP8;
            return plain + c.numLayers() * (fp8 ? perLayer : perLayer / 2);
        }
    }

    /** E4M3 bytes of values uniform in ±448: entry u is the code of the value at quantile (u + 0.5) / 65536. */
    private static final byte[] E4M3_OF_UNIFORM = new byte[1 << 16];

    static {
        for (int u = 0; u < E4M3_OF_UNIFORM.length; u++) {
            float v = (float) (((u + 0.5) / 65536.0 * 2 - 1) * Fp8.E4M3_MAX);
            E4M3_OF_UNIFORM[u] = Fp8.toE4m3(v);
        }
    }
}
