package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.chat.ToolCall;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallPrinterTest {
    @Test
    void argumentsAreJsonValuesInOrder() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("query", "say \"hi\" in Zürich");
        args.put("top_k", 3L);
        args.put("filters", Map.of("safe", true));
        args.put("tags", List.of("a", "b"));
        assertEquals("→ tool call search(query=\"say \\\"hi\\\" in Zürich\", top_k=3, filters={\"safe\": true},"
                + " tags=[\"a\", \"b\"])", ToolCallPrinter.line(ToolCall.of("search", args)));
    }

    @Test
    void noArguments() {
        assertEquals("→ tool call now()", ToolCallPrinter.line(ToolCall.of("now", Map.of())));
    }

    @Test
    void codeInterpreterShowsItsCode() {
        ToolCall call = ToolCall.of("code_interpreter", Map.of("code", "import math\nprint(math.pi)\n"));
        assertEquals("→ tool call code_interpreter:\n    import math\n    print(math.pi)", ToolCallPrinter.line(call));
    }
}
