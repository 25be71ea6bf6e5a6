package dev.llama3j.cli;

import dev.llama3j.error.GrammarException;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.grammar.JsonSchemaToGbnf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --grammar FILE} (llama.cpp's GBNF) or {@code --json-schema FILE}: what the output must follow. */
final class GrammarOptions {
    @Option(names = "--grammar", paramLabel = "FILE", description = "A GBNF grammar (llama.cpp syntax) the output must follow")
    Path grammar;

    @Option(names = "--json-schema", paramLabel = "FILE", description = "A JSON Schema the output must follow (as JSON)")
    Path jsonSchema;

    /** The grammar asked for, or null; an unreadable or unusable file is an error naming it. */
    Grammar load() {
        if (grammar != null && jsonSchema != null) {
            throw new InvalidRequestException("give --grammar or --json-schema, not both");
        }
        if (jsonSchema != null) {
            return jsonSchema(jsonSchema);
        }
        if (grammar == null) {
            return null;
        }
        try {
            return Grammar.parse(read(grammar, "--grammar"));
        } catch (GrammarException e) {
            throw named(grammar, e);
        }
    }

    /** The grammar of a {@code --json-schema} file; an unreadable or unusable one is an error naming it. */
    static Grammar jsonSchema(Path file) {
        try {
            return JsonSchemaToGbnf.grammar(read(file, "--json-schema"));
        } catch (GrammarException e) {
            throw named(file, e);
        }
    }

    private static GrammarException named(Path file, GrammarException e) {
        return new GrammarException(file + ": " + e.getMessage(), e.param());
    }

    private static String read(Path file, String flag) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read the " + flag + " file " + file + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), flag);
        }
    }
}
