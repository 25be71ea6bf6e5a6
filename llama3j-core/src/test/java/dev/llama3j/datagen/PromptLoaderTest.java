package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptLoaderTest {
    @TempDir
    Path dir;

    @Test
    void readsTheColumnSkippingBlankLines() throws IOException {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, "{\"instruction\": \"a\", \"id\": 1}\n\n{\"instruction\": \"b\\nc\"}\n");
        assertEquals(List.of(new PromptRow(0, "a"), new PromptRow(1, "b\nc")), PromptLoader.readJsonLines(f, "instruction"));
        Files.writeString(f, "{\"prompt\": \"x\"}");
        assertEquals(List.of(new PromptRow(0, "x")), PromptLoader.readJsonLines(f, "prompt"));
    }

    @Test
    void errorsNameFileLineAndField() throws IOException {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, "{\"instruction\": \"a\"}\n{\"prompt\": \"b\"}\n");
        assertError(f, "line 2: no field 'instruction' (fields: prompt); choose one with --column");
        Files.writeString(f, "{\"instruction\": 3}\n");
        assertError(f, "line 1: field 'instruction' is");
        Files.writeString(f, "[1]\n");
        assertError(f, "line 1: expected a JSON object");
        Files.writeString(f, "{\"instruction\": \n");
        assertError(f, "line 1: not JSON");
        assertError(dir.resolve("missing.jsonl"), "does not exist");
    }

    private static void assertError(Path f, String expected) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> PromptLoader.readJsonLines(f, "instruction"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
