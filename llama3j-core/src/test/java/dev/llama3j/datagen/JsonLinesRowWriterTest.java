package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesRowWriterTest {
    @TempDir
    Path dir;

    private static DatagenRow row(long i) {
        return new DatagenRow(i, "q" + i, List.of("a", "b"), List.of("m", "m"), UltraFeedbackAspect.OVERALL_RATING,
                null, "j", null, null, "x");
    }

    private static List<PromptRow> prompts(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> new PromptRow(i, "q" + i)).toList();
    }

    @Test
    void resumeCutsAPartialLastLineAndAppends() throws IOException {
        Path out = dir.resolve("sub/out.jsonl");
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            assertEquals(0, w.done());
            w.write(row(0));
            w.write(row(1));
        }
        String two = Files.readString(out);
        // A kill in the middle of the third line's write.
        Files.writeString(out, "{\"index\":2,\"instr", StandardOpenOption.APPEND);
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            assertEquals(2, w.done());
            w.checkDone(prompts(3));
            w.write(row(2));
        }
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            w.write(row(3));
        }
        String all = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(all.startsWith(two));
        assertEquals(4, all.lines().count());
        assertEquals(List.of(0L, 1L, 2L, 3L), all.lines().map(l -> ((Number) ((java.util.Map<?, ?>) dev.llama3j.json.Json
                .parse(l)).get("index")).longValue()).toList());
    }

    @Test
    void anOutputOfOtherPromptsIsRefused() throws IOException {
        Path out = dir.resolve("out.jsonl");
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            w.write(row(0));
            w.write(row(1));
        }
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> w.checkDone(List.of(new PromptRow(0, "q0"), new PromptRow(1, "other"))));
            assertTrue(e.getMessage().contains("line 2: holds row 1 of another input"), e.getMessage());
            e = assertThrows(InvalidRequestException.class, () -> w.checkDone(prompts(1)));
            assertTrue(e.getMessage().contains("already holds 2 rows but the prompts have 1"), e.getMessage());
        }
        Files.writeString(out, "not json\n");
        try (JsonLinesRowWriter w = JsonLinesRowWriter.open(out)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> w.checkDone(prompts(1)));
            assertTrue(e.getMessage().contains("line 1: not a JSON row"), e.getMessage());
        }
    }

    @Test
    void anOutputThatCannotBeOpenedIsNamed() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> JsonLinesRowWriter.open(dir));
        assertTrue(e.getMessage().startsWith("cannot open output " + dir), e.getMessage());
    }
}
