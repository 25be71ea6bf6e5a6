package dev.llama3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.model.KvCacheType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The LoRA adapters and the warm-up switch travel with the other load options. */
class LlamaOptionsTest {
    @Test
    void noAdaptersByDefaultAndTheOthersKeptWhenSomeAreGiven() {
        assertSame(LoraOptions.NONE, LlamaOptions.defaults().lora());
        LoraOptions lora = LoraOptions.of(LoraMode.UNMERGED, new LoraSpec("a", Path.of("adapter")));
        LlamaOptions o = LlamaOptions.defaults().withThreads(3).withParallel(2).withLora(lora).withContextSize(64);
        assertSame(lora, o.lora());
        assertEquals(3, o.threads());
        assertEquals(2, o.parallel());
        assertEquals(64, o.contextSize());
    }

    @Test
    void warmUpByDefaultAndKeptByTheOtherWithers() {
        assertTrue(LlamaOptions.defaults().warmUp());
        LlamaOptions off = LlamaOptions.defaults().withWarmUp(false);
        assertFalse(off.warmUp());
        assertFalse(off.withThreads(3).withParallel(2).withMaxBatchTokens(8).withContextSize(64)
                .withCacheType(KvCacheType.F32).withLora(LoraOptions.NONE).warmUp());
    }

    @Test
    void missingLoraOptionsAreRefusedByName() {
        var e = assertThrows(InvalidRequestException.class, () -> LlamaOptions.defaults().withLora(null));
        assertEquals("LoRA options are required (LoraOptions.NONE for none)", e.getMessage());
    }
}
