package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.ChatRequest;
import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One streamed answer and what Ctrl-C does to it, without a terminal. */
class ChatTurnTest {
    static Llama llama;

    @BeforeAll
    static void load() {
        llama = Llama.load(Fixtures.chatModel(), LlamaOptions.defaults().withThreads(2).withContextSize(1024));
    }

    @AfterAll
    static void close() {
        if (llama != null) {
            llama.close();
        }
    }

    @Test
    void printsTheAnswerAsItStreams() {
        StringBuilder printed = new StringBuilder();
        int[] deltas = {0};
        ChatTurn.Outcome o = ChatTurn.start(llama, ChatRequest.of(List.of(Message.user("What is the capital of France?")))
                .withSampling(SamplingParams.greedy())).printTo(d -> {
                    printed.append(d);
                    deltas[0]++;
                });
        assertFalse(o.stopped());
        assertEquals("The capital of France is Paris.", printed.toString());
        assertEquals(printed.toString(), o.shown());
        assertTrue(deltas[0] > 1, "streamed in pieces, not at the end");
        assertEquals(o.response().content(), o.shown());
    }

    @Test
    void stopEndsTheAnswerWhereItIs() {
        // So hot that the choice is near uniform: it rambles on, and it must be the stop that ends it.
        ChatRequest rambling = ChatRequest.of(List.of(Message.user("Hello")))
                .withSampling(SamplingParams.defaults().withTemperature(20).withSeed(7L)).withMaxTokens(900);
        ChatTurn turn = ChatTurn.start(llama, rambling);
        StringBuilder printed = new StringBuilder();
        ChatTurn.Outcome o = turn.printTo(d -> {
            printed.append(d);
            if (printed.length() > 20) {
                turn.stop();
            }
        });
        assertTrue(o.stopped());
        assertEquals(FinishReason.CANCELLED, o.response().generation().finishReason());
        assertTrue(o.response().completionTokens() < 900, "stopped early: " + o.response().completionTokens());
        assertEquals(printed.toString(), o.shown(), "what was shown is what counts");
    }
}
