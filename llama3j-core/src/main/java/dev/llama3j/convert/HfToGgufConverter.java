package dev.llama3j.convert;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.gguf.Llama3RopeFactors;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.gguf.RotaryPermutation;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeScaling;
import dev.llama3j.model.TensorSource;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tokenizer.TokenType;
import dev.llama3j.tokenizer.Tokenizer;
import dev.llama3j.tokenizer.TokenizerVocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Converts a Hugging Face Llama folder (config.json, safetensors, tokenizer.json) to a GGUF file as
 * llama.cpp's {@code convert_hf_to_gguf.py} (then {@code llama-quantize} for Q4_0) would:
 * <ul>
 *   <li>tensor names from {@link LlamaGgufNames}; Q and K rows permuted for llama.cpp's rotary layout
 *       ({@link RotaryPermutation});</li>
 *   <li>{@code rope_freqs.weight} when config.json asks for llama3 RoPE scaling ({@link Llama3RopeFactors});</li>
 *   <li>no {@code output.weight} when the embeddings are tied;</li>
 *   <li>each tensor's type from {@link TensorTypeRecipe}, values converted by llama.cpp's reference
 *       quantizers from the checkpoint's exact values;</li>
 *   <li>metadata from {@link LlamaGgufMetadata}: hyperparameters, the tokenizer (tokens in GPT-2 byte
 *       form, types, merges, BOS/EOS/EOT/EOM), the chat template, and generation_config.json's sampling
 *       defaults as {@code general.sampling.*}.</li>
 * </ul>
 * Tensors are streamed from the memory-mapped checkpoint a few MiB at a time, so converting an 8B
 * model needs no more heap than a tiny one.
 */
public final class HfToGgufConverter {
    private HfToGgufConverter() {}

    /** What was written. */
    public record Result(Path file, long fileBytes, int tensors, Map<String, Integer> tensorsByType) {}

    /** One tensor to write: its GGUF name and dimensions, type, and where its rows come from. */
    record Planned(String name, long[] dims, GgmlType type, RowWriter.Rows rows) {
        int rowCount() {
            return (int) (dims.length == 1 ? 1 : dims[1]);
        }

        int cols() {
            return (int) dims[0];
        }

        long bytes() {
            return type.bytesFor(dims[0] * rowCount());
        }
    }

    /** Converts {@code modelDir} to {@code out} with most weights in {@code fileType}. */
    public static Result convert(Path modelDir, Path out, GgufFileType fileType, ConversionProgress progress) {
        return convert(modelDir, out, fileType, progress, null);
    }

    /**
     * Converts {@code modelDir} with the PEFT LoRA adapter in {@code loraDir} merged into its weights
     * ({@code W + scale·B·A} in fp32, then stored in the file's types); null converts the base alone.
     */
    public static Result convert(Path modelDir, Path out, GgufFileType fileType, ConversionProgress progress,
            Path loraDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new ModelFormatException(modelDir + ": not a Hugging Face model folder");
        }
        LlamaConfig config = LlamaConfig.fromHuggingFace(modelDir.resolve(LlamaConfig.CONFIG_FILE));
        TokenizerVocabulary vocab = padded(Tokenizer.readVocabulary(modelDir), config.vocabSize(), modelDir);
        String template = Tokenizer.readChatTemplate(modelDir).orElse(null);
        LoraAdapter lora = loraDir == null ? null : LoraAdapter.load(LoraSpec.of(loraDir).name(), loraDir, config);
        // A quantized folder (AWQ, GPTQ, compressed-tensors, FP8) reads through its own source, which
        // dequantizes each layer; the plan then quantizes to the asked type like any other weights.
        try (ModelSource source = ModelSources.open(modelDir)) {
            List<Planned> plan = plan(config, source.tensors(), fileType, lora);
            GgufWriter w = new GgufWriter();
            LlamaGgufMetadata.write(w, config, modelDir.toAbsolutePath().normalize().getFileName().toString(), fileType,
                    vocab, template);
            putSampling(w, modelDir);
            return write(w, plan, out, progress);
        }
    }

    /** Adds the planned tensors to {@code w}, writes the file and says what it holds. */
    static Result write(GgufWriter w, List<Planned> plan, Path out, ConversionProgress progress) {
        long total = plan.stream().mapToLong(Planned::bytes).sum();
        long[] done = {0};
        Map<String, Integer> byType = new TreeMap<>();
        for (int i = 0; i < plan.size(); i++) {
            Planned p = plan.get(i);
            int index = i;
            byType.merge(p.type().name(), 1, Integer::sum);
            w.addTensor(p.name(), p.type(), p.dims(), o -> {
                progress.update(p.name(), index, plan.size(), done[0], total);
                RowWriter.write(o, p.type(), p.rowCount(), p.cols(), p.rows(), n -> {
                    done[0] += n;
                    progress.update(p.name(), index, plan.size(), done[0], total);
                });
            });
        }
        w.write(out);
        try {
            return new Result(out, Files.size(out), plan.size(), byType);
        } catch (IOException e) {
            throw new ModelFormatException(out + ": written, but cannot read its size: " + e);
        }
    }

    /**
     * Every tensor of the GGUF file, in llama.cpp's order, shapes checked against config.json first;
     * the projections {@code lora} adapts (when not null) with its update merged in.
     */
    private static List<Planned> plan(LlamaConfig c, TensorSource src, GgufFileType fileType, LoraAdapter lora) {
        boolean tied = c.tieWordEmbeddings();
        int h = c.hiddenSize();
        List<Planned> plan = new ArrayList<>();
        if (c.ropeScaling().isLlama3()) {
            RopeScaling s = c.ropeScaling();
            float[] factors = Llama3RopeFactors.compute(c.ropeTheta(), c.headDim(), s.factor(), s.lowFreqFactor(),
                    s.highFreqFactor(), s.originalMaxPositions());
            plan.add(vector(LlamaGgufNames.ROPE_FREQS, factors, fileType, tied));
        }
        plan.add(matrix(LlamaGgufNames.TOKEN_EMBD, src.matrix("model.embed_tokens.weight", c.vocabSize(), h), 0,
                fileType, tied));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            plan.add(vector(LlamaGgufNames.attnNorm(l), src.vector(p + "input_layernorm.weight", h), fileType, tied));
            plan.add(projection(LlamaGgufNames.attnQ(l), src.matrix(p + "self_attn.q_proj.weight", c.qDim(), h),
                    c.numHeads(), fileType, tied, lora, l, Projection.Q));
            plan.add(projection(LlamaGgufNames.attnK(l), src.matrix(p + "self_attn.k_proj.weight", c.kvDim(), h),
                    c.numKvHeads(), fileType, tied, lora, l, Projection.K));
            plan.add(projection(LlamaGgufNames.attnV(l), src.matrix(p + "self_attn.v_proj.weight", c.kvDim(), h), 0,
                    fileType, tied, lora, l, Projection.V));
            plan.add(projection(LlamaGgufNames.attnOutput(l), src.matrix(p + "self_attn.o_proj.weight", h, c.qDim()),
                    0, fileType, tied, lora, l, Projection.O));
            plan.add(vector(LlamaGgufNames.ffnNorm(l), src.vector(p + "post_attention_layernorm.weight", h), fileType,
                    tied));
            plan.add(projection(LlamaGgufNames.ffnGate(l),
                    src.matrix(p + "mlp.gate_proj.weight", c.intermediateSize(), h), 0, fileType, tied, lora, l,
                    Projection.GATE));
            plan.add(projection(LlamaGgufNames.ffnUp(l), src.matrix(p + "mlp.up_proj.weight", c.intermediateSize(), h),
                    0, fileType, tied, lora, l, Projection.UP));
            plan.add(projection(LlamaGgufNames.ffnDown(l),
                    src.matrix(p + "mlp.down_proj.weight", h, c.intermediateSize()), 0, fileType, tied, lora, l,
                    Projection.DOWN));
        }
        plan.add(vector(LlamaGgufNames.OUTPUT_NORM, src.vector("model.norm.weight", h), fileType, tied));
        if (!tied) {
            plan.add(matrix(LlamaGgufNames.OUTPUT, src.matrix("lm_head.weight", c.vocabSize(), h), 0, fileType, tied));
        }
        return plan;
    }

    /**
     * A matrix tensor; {@code permuteHeads} &gt; 0 reorders the rows of each of that many heads into
     * llama.cpp's rotary order (GGUF row r holds Hugging Face row {@code ggufToHfRow(r)}).
     */
    static Planned matrix(String name, WeightMatrix m, int permuteHeads, GgufFileType fileType, boolean tied) {
        return matrix(name, m.rows(), m.cols(), m::dequantizeRow, permuteHeads, fileType, tied);
    }

    /** A matrix whose Hugging Face row {@code r} {@code hfRows} produces. */
    static Planned matrix(String name, int rowCount, int cols, RowWriter.Rows hfRows, int permuteHeads,
            GgufFileType fileType, boolean tied) {
        long[] dims = {cols, rowCount};
        RowWriter.Rows rows;
        if (permuteHeads > 0) {
            int headDim = rowCount / permuteHeads;
            rows = (r, out, off) -> hfRows.fill(RotaryPermutation.ggufToHfRow(r, headDim), out, off);
        } else {
            rows = hfRows;
        }
        return new Planned(name, dims, TensorTypeRecipe.typeOf(fileType, name, dims, tied), rows);
    }

    /** A layer's projection, with {@code lora}'s update added to each row when it adapts it. */
    private static Planned projection(String name, WeightMatrix m, int permuteHeads, GgufFileType fileType,
            boolean tied, LoraAdapter lora, int layer, Projection p) {
        if (lora == null || lora.pair(layer, p) == null) {
            return matrix(name, m, permuteHeads, fileType, tied);
        }
        return matrix(name, m.rows(), m.cols(), (r, out, off) -> {
            m.dequantizeRow(r, out, off);
            lora.addToRow(layer, p, r, out, off);
        }, permuteHeads, fileType, tied);
    }

    static Planned vector(String name, float[] v, GgufFileType fileType, boolean tied) {
        long[] dims = {v.length};
        return new Planned(name, dims, TensorTypeRecipe.typeOf(fileType, name, dims, tied),
                (r, out, off) -> System.arraycopy(v, 0, out, off, v.length));
    }

    /**
     * The vocabulary with {@code [PADn]} tokens of type UNUSED for ids below {@code vocabSize} that the
     * tokenizer lacks, as {@code convert_hf_to_gguf.py} pads it.
     */
    static TokenizerVocabulary padded(TokenizerVocabulary v, int vocabSize, Path dir) {
        if (v.size() > vocabSize) {
            throw new ModelFormatException(dir + ": the tokenizer has " + v.size() + " tokens but config.json's"
                    + " vocab_size is " + vocabSize);
        }
        if (v.size() == vocabSize) {
            return v;
        }
        List<String> tokens = new ArrayList<>(v.tokens());
        int[] types = Arrays.copyOf(v.tokenTypes(), vocabSize);
        for (int id = v.size(); id < vocabSize; id++) {
            tokens.add("[PAD" + id + "]");
            types[id] = TokenType.UNUSED;
        }
        return new TokenizerVocabulary(List.copyOf(tokens), types, v.merges(), v.bosId(), v.eosId());
    }

    /**
     * generation_config.json's sampling defaults as gguf-py's {@code general.sampling.*} keys, when it
     * samples ({@code do_sample}); a greedy model gets none, so that it stays greedy when read back.
     */
    private static void putSampling(GgufWriter w, Path dir) {
        Path file = dir.resolve(GenerationConfig.FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        String f = file.toString();
        try {
            Map<String, Object> c = Json.asObject(Json.parseFile(file), f);
            if (c.get("do_sample") == null || !Json.asBoolean(c.get("do_sample"), f + ": do_sample")) {
                return;
            }
            putFloat(w, c, f, "temperature", GenerationConfig.GGUF_TEMP);
            putFloat(w, c, f, "top_p", GenerationConfig.GGUF_TOP_P);
            putFloat(w, c, f, "min_p", GenerationConfig.GGUF_MIN_P);
            putFloat(w, c, f, "repetition_penalty", GenerationConfig.GGUF_PENALTY_REPEAT);
            if (c.get("top_k") != null) {
                w.putInt32(GenerationConfig.GGUF_TOP_K, Json.asInt(c.get("top_k"), f + ": top_k"));
            }
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
    }

    private static void putFloat(GgufWriter w, Map<String, Object> c, String f, String key, String ggufKey) {
        if (c.get(key) != null) {
            w.putFloat32(ggufKey, (float) Json.asDouble(c.get(key), f + ": " + key));
        }
    }
}
