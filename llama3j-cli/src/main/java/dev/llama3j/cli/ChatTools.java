package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.chat.Tool;
import dev.llama3j.json.Json;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tools that {@code llama3j chat --tools} offers the model: Llama 3.1's built-in ones
 * ({@code builtin}), custom functions from OpenAI-style JSON files, or both.
 */
record ChatTools(List<Tool> tools, List<String> builtinTools) {
    /** The built-in tools that {@code --tools builtin} enables: the ones whose results a person can paste. */
    static final List<String> BUILTIN = List.of("brave_search", "wolfram_alpha");

    static final ChatTools NONE = new ChatTools(List.of(), List.of());

    ChatTools {
        tools = List.copyOf(tools);
        builtinTools = List.copyOf(builtinTools);
    }

    /**
     * Reads the {@code --tools} values, each {@code builtin} or a JSON file holding an array of tool
     * definitions ({@code [{"type": "function", "function": {"name", "description", "parameters"}}]}).
     *
     * @throws InvalidRequestException naming the file and what is wrong with it
     */
    static ChatTools parse(List<String> values) {
        List<Tool> tools = new ArrayList<>();
        List<String> builtin = new ArrayList<>();
        for (String value : values) {
            if (value.equals("builtin")) {
                builtin.addAll(BUILTIN);
            } else {
                tools.addAll(readFile(Path.of(value)));
            }
        }
        return new ChatTools(tools, builtin.stream().distinct().toList());
    }

    private static List<Tool> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("--tools " + file + ": no such file (expected 'builtin' or a JSON file"
                    + " with an array of tool definitions)", "tools");
        }
        Object json;
        try {
            json = Json.parseFile(file);
        } catch (UncheckedIOException e) {
            throw new InvalidRequestException("--tools " + e.getMessage(), "tools");
        } catch (Llama3jException e) {
            // Json.parseFile names the file already.
            throw new InvalidRequestException("--tools: not valid JSON: " + e.getMessage(), "tools");
        }
        if (!(json instanceof List<?>)) {
            throw new InvalidRequestException("--tools " + file + ": expected a JSON array of tool definitions"
                    + " ([{\"type\": \"function\", \"function\": {\"name\": ...}}])", "tools");
        }
        try {
            return Tool.listFromJson(json);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException("--tools " + file + ": " + e.getMessage(), "tools");
        }
    }

    boolean isEmpty() {
        return tools.isEmpty() && builtinTools.isEmpty();
    }

    /** The tool names, for the banner and /help. */
    List<String> names() {
        List<String> names = new ArrayList<>(builtinTools);
        tools.forEach(t -> names.add(t.name()));
        return names;
    }
}
