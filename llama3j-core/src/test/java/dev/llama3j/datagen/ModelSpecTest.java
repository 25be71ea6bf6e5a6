package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelSpecTest {
    @Test
    void localModelWithoutOptionsDecodesGreedily() {
        ModelSpec s = ModelSpec.parse("models/tiny-llama-3.1-chat", "--generator");
        assertEquals(Path.of("models/tiny-llama-3.1-chat"), s.model());
        assertNull(s.adapter());
        assertTrue(s.sampling().isGreedy());
        assertEquals(ModelSpec.DEFAULT_MAX_TOKENS, s.maxTokens());
        assertEquals("tiny-llama-3.1-chat", s.modelName());
    }

    @Test
    void localModelWithAdapterAndSampling() {
        ModelSpec s = ModelSpec.parse("base.gguf+adapters/pirate@temperature=0.7,top_p=0.9,max_tokens=256,seed=1",
                "--generator");
        assertEquals(Path.of("base.gguf"), s.model());
        assertEquals(Path.of("adapters/pirate"), s.adapter());
        assertEquals(0.7f, s.sampling().temperature());
        assertEquals(0.9f, s.sampling().topP());
        assertEquals(1L, s.sampling().seed());
        assertEquals(256, s.maxTokens());
        assertEquals("base.gguf+pirate", s.modelName());
    }

    @Test
    void endpointWithModelName() {
        ModelSpec s = ModelSpec.parse("http://gpu:8000/v1#meta-llama/Llama-3.1-405B-Instruct+x@max_tokens=1024,top_k=40",
                "--judge");
        assertTrue(s.isEndpoint());
        assertEquals(URI.create("http://gpu:8000/v1"), s.endpoint());
        assertEquals("meta-llama/Llama-3.1-405B-Instruct+x", s.modelName());
        assertEquals(1024, s.maxTokens());
        assertEquals(40, s.sampling().topK());
    }

    @Test
    void errorsNameThePart() {
        assertError("", "--judge", "empty model spec");
        assertError("m@", "--judge", "nothing after '@'");
        assertError("m@temperature", "--judge", "option 'temperature' is not KEY=VALUE");
        assertError("m@temperature=hot", "--judge", "option 'temperature' expects a number, got 'hot'");
        assertError("m@temperature=-1", "--judge", "option 'temperature': temperature must be a number >= 0");
        assertError("m@top_p=2", "--judge", "option 'top_p': top_p must be in (0, 1]");
        assertError("m@seed=x", "--judge", "option 'seed' expects an integer");
        assertError("m@max_tokens=0", "--judge", "option 'max_tokens' must be at least 1");
        assertError("m@temp=1", "--judge", "unknown option 'temp'");
        assertError("m@seed=1,seed=2", "--judge", "option 'seed' is given twice");
        assertError("@seed=1", "--judge", "no model before '@'");
        assertError("+a", "--judge", "no model before '+'");
        assertError("m+", "--judge", "no adapter after '+'");
        assertError("http://host:1/v1", "--judge", "names no model; expected URL#MODEL");
        assertError("http://host:1/v1#", "--judge", "names no model");
        assertError("http:///v1#m", "--judge", "has no host");
        assertError("http://bad host/v1#m", "--judge", "is not a URL");
        assertError("ftp://host/v1#m", "--judge", "must start with http:// or https://");
    }

    private static void assertError(String spec, String flag, String expected) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ModelSpec.parse(spec, flag));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(flag), e.getMessage());
    }
}
