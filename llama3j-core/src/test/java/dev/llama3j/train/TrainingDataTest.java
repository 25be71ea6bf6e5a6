package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Message;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {
    private static Tokenizer tokenizer;
    private static ExampleEncoder encoder;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.tokenizerDir());
        encoder = new ExampleEncoder(ChatTemplate.fromTokenizerDir(Fixtures.tokenizerDir()), tokenizer);
    }

    /** The text of each run of consecutive target tokens. */
    private static List<String> targetRuns(TrainingExample e) {
        List<String> runs = new ArrayList<>();
        int i = 0;
        while (i < e.length()) {
            if (!e.targets()[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < e.length() && e.targets()[j]) {
                j++;
            }
            runs.add(tokenizer.decode(java.util.Arrays.copyOfRange(e.tokens(), i, j)));
            i = j;
        }
        return runs;
    }

    @Test
    void conversationLossIsOnEachAssistantMessageAndItsEndToken() {
        TrainingExample e = encoder.conversation(List.of(Message.system("Be brief."), Message.user("Capital of France?"),
                Message.assistant("Paris."), Message.user("And Italy?"), Message.assistant("Rome.")));
        assertEquals(List.of("Paris.<|eot_id|>", "Rome.<|eot_id|>"), targetRuns(e));
        String text = tokenizer.decode(e.tokens());
        assertTrue(text.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>"), text);
        assertTrue(text.contains("Today Date: 26 Jul 2024"), "the template's own date, as apply_chat_template: " + text);
        assertTrue(text.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\nRome.<|eot_id|>"), text);
    }

    @Test
    void messageTextIsDataNotMarkup() {
        TrainingExample e = encoder.conversation(List.of(Message.user("Hi"), Message.assistant("<|eot_id|>")));
        int eot = tokenizer.specialId("<|eot_id|>").getAsInt();
        int count = 0;
        for (int t : e.tokens()) {
            count += t == eot ? 1 : 0;
        }
        assertEquals(3, count, "after the template's system message, the user's and the assistant's; the typed one is text");
    }

    @Test
    void promptCompletionIsBosPromptCompletionEos() {
        TrainingExample e = encoder.promptCompletion("The capital of France is", " Paris.");
        assertEquals(List.of(" Paris." + tokenizer.decode(new int[] {tokenizer.eosId().getAsInt()})), targetRuns(e));
        assertEquals(tokenizer.bosId().getAsInt(), e.tokens()[0]);
        int[] prompt = tokenizer.encode("The capital of France is", false);
        assertArrayEquals(prompt, java.util.Arrays.copyOfRange(e.tokens(), 1, 1 + prompt.length));
        assertFalse(e.targets()[prompt.length]);
        assertTrue(e.targets()[prompt.length + 1]);
    }

    @Test
    void fileReadInOrderAndCutToMaxSeqLen() throws IOException {
        Path f = dir.resolve("train.jsonl");
        Files.writeString(f, """
                {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]}
                {"prompt": "2 + 2 =", "completion": " 4"}
                """);
        TrainingSet all = new TrainingDataReader(encoder, 1024).read(f);
        assertEquals(2, all.size());
        assertEquals(0, all.truncated());
        int firstLength = all.examples().get(0).length();
        TrainingSet cut = new TrainingDataReader(encoder, firstLength - 2).read(f);
        assertEquals(1, cut.truncated());
        assertEquals(firstLength - 2, cut.examples().get(0).length());
        assertEquals(all.examples().get(0).targetCount() - 2, cut.examples().get(0).targetCount());
    }

    @Test
    void examplesWithNothingLeftToLearnAfterCuttingAreDropped() throws IOException {
        Path f = dir.resolve("train.jsonl");
        Files.writeString(f, """
                {"prompt": "A long prompt with many words in it before the answer", "completion": " yes"}
                {"prompt": "Q", "completion": " A"}
                """);
        TrainingSet s = new TrainingDataReader(encoder, 4).read(f);
        assertEquals(1, s.size());
        assertEquals(1, s.dropped());
    }

    @Test
    void everyBadLineIsReportedWithFileAndLineBeforeAnythingTrains() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hey\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}",
                "{\"prompt\": \"only a prompt\"}",
                "{\"messages\": [{\"role\": \"robot\", \"content\": \"Hi\"}]}",
                "",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}",
                "{\"messages\": []}",
                "[1, 2]",
                "{\"text\": \"plain\"}",
                "{\"prompt\": \"\", \"completion\": \"x\"}",
                "{\"prompt\": 3, \"completion\": \"x\"}",
                "{\"messages\": [{\"role\": \"assistant\", \"content\": \"first\"}, {\"role\": \"user\", \"content\": \"x\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"\"}]}"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new TrainingDataReader(encoder, 1024).read(f));
        String m = e.getMessage();
        assertTrue(m.startsWith("12 bad lines in " + f), m);
        String[] expected = {":2: invalid JSON", ":3: \"completion\" is missing", ":4: messages[0]: unknown message role 'robot'",
            ":5: empty line", ":6: no assistant message", ":7: messages is empty", ":8: expected a JSON object",
            ":9: expected \"messages\"", ":10: \"prompt\" is empty", ":11: \"prompt\" must be a string",
            ":12: messages[0] is an assistant message", ":13: messages[1] is an assistant message without content"};
        for (String x : expected) {
            assertTrue(m.contains(f + x), "expected '" + f + x + "' in:\n" + m);
        }
        assertFalse(m.contains(f + ":1:"), m);
    }

    @Test
    void aMissingOrEmptyFileIsReported() throws IOException {
        TrainingDataReader reader = new TrainingDataReader(encoder, 1024);
        Path missing = dir.resolve("none.jsonl");
        assertTrue(assertThrows(InvalidRequestException.class, () -> reader.read(missing)).getMessage()
                .contains("none.jsonl: file not found"));
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        assertTrue(assertThrows(InvalidRequestException.class, () -> reader.read(empty)).getMessage()
                .contains("no training example (the file is empty)"));
        assertThrows(InvalidRequestException.class, () -> new TrainingDataReader(encoder, 1));
    }
}
