package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.safetensors.SafetensorsWriter;
import dev.llama3j.tensor.GgmlType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fine-tuning checkpoint folder ({@code checkpoint-STEP}): the adapter so far in PEFT's layout (so a
 * checkpoint is also a usable adapter), AdamW's state in {@code optimizer.safetensors}
 * ({@code NAME.exp_avg}, {@code NAME.exp_avg_sq}, in the trainer's row order), and
 * {@code trainer_state.json}: the step, where in the data the next step starts (epoch and position in
 * that epoch's order), where the dropout stream stands, the settings and the size of the data.
 * Everything random in a run is a function of the seed and these positions (data order per epoch,
 * dropout masks per training sequence), so resuming continues to the same adapter an uninterrupted run
 * reaches, and writing a checkpoint changes nothing in the run.
 */
public final class TrainingCheckpoint {
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";

    /**
     * Where a run stands.
     *
     * @param step optimizer steps done
     * @param epoch the epoch the next step reads from
     * @param position the next example's index in that epoch's order
     * @param examples training examples in the data
     * @param tokens tokens over the training examples
     * @param dropout the dropout stream's position ({@link LoraTrainingModel#dropoutPosition})
     */
    public record Position(int step, int epoch, int position, int examples, long tokens, long dropout) {}

    private TrainingCheckpoint() {}

    /** The folder of the checkpoint after {@code step} steps under {@code out}. */
    public static Path dir(Path out, int step) {
        return out.resolve("checkpoint-" + step);
    }

    /** Writes a checkpoint into {@code dir}; the state file goes last, so a folder with it is complete. */
    public static void save(Path dir, PeftAdapterWriter.Settings adapter, LoraParameters params, AdamW adam,
            FinetuneSettings settings, Position at) {
        PeftAdapterWriter.write(dir, adapter, adapterTensors(params));
        List<SafetensorsWriter.Tensor> opt = new ArrayList<>();
        List<TrainableTensor> ts = params.tensors();
        for (int i = 0; i < ts.size(); i++) {
            TrainableTensor t = ts.get(i);
            long[] shape = {t.rows(), t.cols()};
            opt.add(new SafetensorsWriter.Tensor(t.name() + ".exp_avg", shape, adam.firstMoments()[i].clone()));
            opt.add(new SafetensorsWriter.Tensor(t.name() + ".exp_avg_sq", shape, adam.secondMoments()[i].clone()));
        }
        SafetensorsWriter.write(dir.resolve(OPTIMIZER), opt, Map.of("optimizer_steps", Long.toString(adam.steps())));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("global_step", at.step());
        state.put("epoch", at.epoch());
        state.put("position", at.position());
        state.put("examples", at.examples());
        state.put("tokens", at.tokens());
        state.put("dropout_position", at.dropout());
        state.put("optimizer_steps", adam.steps());
        state.put("settings", settings.toJson());
        try {
            Path tmp = dir.resolve(STATE + ".tmp");
            Files.writeString(tmp, Json.write(state, 2, true));
            Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint: " + e.getMessage(), e);
        }
    }

    /** The adapter's tensors in PEFT's names and row order. */
    public static List<SafetensorsWriter.Tensor> adapterTensors(LoraParameters params) {
        List<SafetensorsWriter.Tensor> out = new ArrayList<>();
        for (TrainableTensor t : params.tensors()) {
            out.add(new SafetensorsWriter.Tensor(t.name(), new long[] {t.rows(), t.cols()}, params.peftValues(t)));
        }
        return out;
    }

    /**
     * Restores the adapter and optimizer of the checkpoint in {@code dir} into {@code params} and
     * {@code adam}, after checking that it was made with the same settings and data.
     *
     * @throws InvalidRequestException when the checkpoint is incomplete or made for another run
     */
    public static Position restore(Path dir, LoraParameters params, AdamW adam, FinetuneSettings settings,
            int examples, long tokens) {
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            throw new InvalidRequestException(dir + ": not a finetune checkpoint (no " + STATE
                    + "; an interrupted save leaves none)", "resume");
        }
        Map<String, Object> state;
        try {
            state = Json.asObject(Json.parseFile(stateFile), STATE);
            Map<String, Object> saved = Json.asObject(state.get("settings"), "settings");
            for (Map.Entry<String, Object> e : settings.toJson().entrySet()) {
                String was = Json.write(saved.get(e.getKey()));
                String now = Json.write(e.getValue());
                if (!was.equals(now)) {
                    throw new InvalidRequestException(stateFile + ": the checkpoint was made with " + e.getKey() + " = "
                            + was + ", this run has " + now + "; resume with the same settings", "resume");
                }
            }
            long savedExamples = Json.asLong(state.get("examples"), "examples");
            long savedTokens = Json.asLong(state.get("tokens"), "tokens");
            if (savedExamples != examples || savedTokens != tokens) {
                throw new InvalidRequestException(stateFile + ": the checkpoint was made on data of " + savedExamples
                        + " examples and " + savedTokens + " tokens, this run's data has " + examples + " and "
                        + tokens + "; resume with the same data", "resume");
            }
            Position at = new Position(Json.asInt(state.get("global_step"), "global_step"),
                    Json.asInt(state.get("epoch"), "epoch"), Json.asInt(state.get("position"), "position"), examples,
                    tokens, Json.asLong(state.get("dropout_position"), "dropout_position"));
            if (at.dropout() < 0) {
                throw new ModelFormatException(stateFile + ": dropout_position must be 0 or more, got " + at.dropout());
            }
            long optimizerSteps = Json.asLong(state.get("optimizer_steps"), "optimizer_steps");
            try (Arena arena = Arena.ofConfined()) {
                Map<String, SafetensorsTensor> adapter =
                        SafetensorsFile.open(dir.resolve(LoraAdapter.WEIGHTS_FILE), arena).tensors();
                Map<String, SafetensorsTensor> opt = SafetensorsFile.open(dir.resolve(OPTIMIZER), arena).tensors();
                List<TrainableTensor> ts = params.tensors();
                float[][] m = new float[ts.size()][];
                float[][] v = new float[ts.size()][];
                for (int i = 0; i < ts.size(); i++) {
                    TrainableTensor t = ts.get(i);
                    params.setPeft(t.name(), floats(dir, adapter, t.name(), t.size()));
                    m[i] = floats(dir, opt, t.name() + ".exp_avg", t.size());
                    v[i] = floats(dir, opt, t.name() + ".exp_avg_sq", t.size());
                }
                adam.restore(optimizerSteps, m, v);
            }
            return at;
        } catch (JsonException e) {
            throw new ModelFormatException(stateFile + ": " + e.getMessage());
        }
    }

    private static float[] floats(Path dir, Map<String, SafetensorsTensor> tensors, String name, int size) {
        SafetensorsTensor t = tensors.get(name);
        if (t == null || t.type() != GgmlType.F32 || t.data().byteSize() != 4L * size) {
            throw new InvalidRequestException(dir + ": tensor '" + name + "' is missing or not " + size
                    + " F32 values: the checkpoint is not for this adapter", "resume");
        }
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }
}
