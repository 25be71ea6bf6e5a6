package dev.llama3j.train;

import dev.llama3j.chat.Message;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON-lines training file, one record per line: {@code {"messages": [...]}} or
 * {@code {"prompt": "...", "completion": "..."}}. The whole file is read and checked before anything
 * trains, so that a bad record stops the run at the start rather than hours in: every bad line
 * (invalid JSON, a missing or wrong field, an unknown role, nothing to learn) is reported with the file
 * and line number, up to {@link #MAX_REPORTED} of them.
 */
public final class TrainingDataReader {
    static final int MAX_REPORTED = 20;

    private final ExampleEncoder encoder;
    private final int maxSeqLen;

    /** @param maxSeqLen longer examples are cut to this many tokens ({@code --max-seq-len}) */
    public TrainingDataReader(ExampleEncoder encoder, int maxSeqLen) {
        if (maxSeqLen < 2) {
            throw new InvalidRequestException("max sequence length must be at least 2, got " + maxSeqLen,
                    "max-seq-len");
        }
        this.encoder = encoder;
        this.maxSeqLen = maxSeqLen;
    }

    /**
     * The examples of {@code file} in file order.
     *
     * @throws InvalidRequestException naming the file and each bad line
     */
    public TrainingSet read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException(file + ": file not found", "data");
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException(file + ": not UTF-8 text", "data");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        List<TrainingExample> examples = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int badLines = 0;
        int truncated = 0;
        int noTarget = 0;
        for (int i = 0; i < lines.size(); i++) {
            try {
                TrainingExample e = parse(lines.get(i));
                if (e.length() > maxSeqLen) {
                    truncated++;
                    e = e.truncated(maxSeqLen);
                }
                if (e.targetCount() == 0) {
                    noTarget++; // everything it would learn lies beyond --max-seq-len
                    continue;
                }
                examples.add(e);
            } catch (Llama3jException ex) {
                badLines++;
                if (errors.size() < MAX_REPORTED) {
                    errors.add(file + ":" + (i + 1) + ": " + ex.getMessage());
                }
            }
        }
        if (!errors.isEmpty()) {
            String more = badLines > errors.size() ? "\n(and " + (badLines - errors.size()) + " more bad lines)" : "";
            throw new InvalidRequestException(badLines + " bad line" + (badLines == 1 ? "" : "s") + " in " + file
                    + ":\n" + String.join("\n", errors) + more, "data");
        }
        if (examples.isEmpty()) {
            throw new InvalidRequestException(file + ": no training example" + (noTarget > 0 ? " (" + noTarget
                    + " have nothing to learn within the first " + maxSeqLen + " tokens)" : " (the file is empty)"),
                    "data");
        }
        return new TrainingSet(file, List.copyOf(examples), truncated, noTarget);
    }

    private TrainingExample parse(String line) {
        if (line.isBlank()) {
            throw new InvalidRequestException("empty line (each line must be one JSON object)", "data");
        }
        Object json;
        try {
            json = Json.parse(line);
        } catch (JsonException e) {
            throw new InvalidRequestException("invalid JSON: " + e.getMessage(), "data");
        }
        if (!(json instanceof Map<?, ?> record)) {
            throw new InvalidRequestException("expected a JSON object, got " + Json.describe(json), "data");
        }
        if (record.containsKey("messages")) {
            return encoder.conversation(Message.listFromJson(record.get("messages")));
        }
        if (record.containsKey("prompt") || record.containsKey("completion")) {
            String prompt = text(record, "prompt");
            String completion = text(record, "completion");
            return encoder.promptCompletion(prompt, completion);
        }
        throw new InvalidRequestException("expected \"messages\" (a conversation) or \"prompt\" and \"completion\","
                + " got keys " + record.keySet(), "data");
    }

    private static String text(Map<?, ?> record, String key) {
        Object v = record.get(key);
        if (v == null) {
            throw new InvalidRequestException("\"" + key + "\" is missing", "data");
        }
        if (!(v instanceof String s)) {
            throw new InvalidRequestException("\"" + key + "\" must be a string, got " + Json.describe(v), "data");
        }
        if (s.isEmpty()) {
            throw new InvalidRequestException("\"" + key + "\" is empty", "data");
        }
        return s;
    }
}
