package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader on files built byte by byte: one good file, then one bad file per check. */
class GgufFileTest {
    @TempDir
    Path dir;

    private static final int F32 = 0;
    private static final int Q8_0 = 8;

    /**
     * A v2 file: three metadata keys, an F32 [3, 2] tensor (values 1..6) and a Q8_0 [32] tensor (d = 0.5,
     * q[j] = j), aligned to the default 32.
     */
    private static RawGguf goodFile(int version) {
        RawGguf g = new RawGguf().header(version, 2, 3);
        g.key("general.architecture", GgufValueType.STRING).str("llama");
        g.key("llama.block_count", GgufValueType.UINT32).u32(2);
        g.key("tokenizer.ggml.tokens", GgufValueType.ARRAY).u32(GgufValueType.STRING.id).u64(3)
                .str("a").str("é").str("");
        g.tensorInfo("w", F32, 0, 3, 2);
        g.tensorInfo("q", Q8_0, 32, 32); // 24 bytes of F32, padded to 32
        g.padTo(32);
        for (int i = 1; i <= 6; i++) {
            g.f32(i);
        }
        g.raw(new byte[8]);
        g.raw((byte) 0x00, (byte) 0x38); // fp16 0.5
        for (int j = 0; j < 32; j++) {
            g.u8(j);
        }
        return g;
    }

    @Test
    void readsAHandBuiltFile() {
        for (int version : new int[] {2, 3}) {
            try (GgufFile f = GgufFile.open(goodFile(version).write(dir, "v" + version + ".gguf"))) {
                assertEquals(version, f.version());
                assertEquals(32, f.alignment());
                assertEquals("llama", f.getString("general.architecture"));
                assertEquals(2, f.getInt("llama.block_count"));
                assertArrayEquals(new String[] {"a", "é", ""}, f.getStringArray("tokenizer.ggml.tokens"));
                assertEquals(List.of("w", "q"), List.copyOf(f.tensors().keySet()));

                GgufTensor w = f.tensor("w");
                assertEquals(GgmlType.F32, w.type());
                assertArrayEquals(new long[] {3, 2}, w.dims());
                assertEquals(0, f.dataOffset() % 32);
                assertEquals(f.dataOffset() + 32 + 34, f.fileSize());
                assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.toFloatArray());
                WeightMatrix m = w.asMatrix();
                assertEquals(2, m.rows());
                assertEquals(3, m.cols());
                assertEquals(4 * 1 + 5 * 1 + 6 * 1, m.dot(1, new float[] {1, 1, 1}, 0));

                GgufTensor q = f.tensor("q");
                assertEquals(32, q.offset());
                float[] v = q.toFloatArray();
                for (int j = 0; j < 32; j++) {
                    assertEquals(j * 0.5f, v[j]);
                }
            }
        }
    }

    @Test
    void metadataGettersNameTheKeyOnError() {
        try (GgufFile f = GgufFile.open(goodFile(3).write(dir, "m.gguf"))) {
            String name = dir.resolve("m.gguf").toString();
            ModelFormatException missing = assertThrows(ModelFormatException.class, () -> f.getInt("llama.context_length"));
            assertEquals(name + ": metadata key 'llama.context_length' is missing", missing.getMessage());
            ModelFormatException wrong = assertThrows(ModelFormatException.class, () -> f.getInt("general.architecture"));
            assertEquals(name + ": metadata key 'general.architecture' is STRING, expected an integer", wrong.getMessage());
            assertThrows(ModelFormatException.class, () -> f.getIntArray("tokenizer.ggml.tokens"));
            assertThrows(ModelFormatException.class, () -> f.getString("tokenizer.ggml.tokens"));
            assertEquals(4096, f.getInt("llama.context_length", 4096));
            assertEquals(2f, f.getFloat("llama.block_count")); // integers read as floats
            assertTrue(f.has("llama.block_count"));
            assertFalse(f.has("llama.vocab_size"));
            ModelFormatException noTensor = assertThrows(ModelFormatException.class, () -> f.tensor("output.weight"));
            assertEquals(name + ": tensor 'output.weight' is missing", noTensor.getMessage());
        }
    }

    @Test
    void largeUnsignedValuesAreRefusedWhereTheyDoNotFit() {
        RawGguf g = new RawGguf().header(3, 0, 2);
        g.key("big32", GgufValueType.UINT32).u32(0xFFFF_FFFF);
        g.key("big64", GgufValueType.UINT64).u64(-1L);
        try (GgufFile f = GgufFile.open(g.write(dir, "big.gguf"))) {
            assertEquals(0xFFFF_FFFFL, f.getLong("big32"));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.getInt("big32"));
            assertTrue(e.getMessage().contains("'big32' is 4294967295, outside the 32-bit integer range"), e.getMessage());
            e = assertThrows(ModelFormatException.class, () -> f.getLong("big64"));
            assertTrue(e.getMessage().contains("18446744073709551615"), e.getMessage());
            assertEquals(-1L, f.get("big64").longValue()); // raw bits stay available
        }
    }

    // ---- bad files ----

    private <T extends Throwable> String fails(Class<T> type, RawGguf g) {
        Path p = g.write(dir, "bad.gguf");
        T e = assertThrows(type, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void contains(String message, String part) {
        assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
    }

    @Test
    void wrongMagic() {
        String m = fails(ModelFormatException.class, new RawGguf().raw("GGML".getBytes()).u32(3).u64(0).u64(0));
        contains(m, "not a GGUF file: it starts with 'GGML'");
        contains(m, "expected 'GGUF'");
    }

    @Test
    void safetensorsGivenAsGguf() {
        String m = fails(ModelFormatException.class, new RawGguf().u64(2).raw("{}".getBytes()));
        contains(m, "looks like a safetensors file");
    }

    @Test
    void emptyAndTinyFiles() {
        contains(fails(ModelFormatException.class, new RawGguf()), "the file is empty");
        contains(fails(ModelFormatException.class, new RawGguf().raw("GG".getBytes())), "too short");
    }

    @Test
    void versionOneIsUnsupported() {
        String m = fails(UnsupportedModelException.class, new RawGguf().header(1, 0, 0));
        contains(m, "GGUF version 1 is not supported (versions 2 and 3 are)");
    }

    @Test
    void futureVersionIsUnsupported() {
        contains(fails(UnsupportedModelException.class, new RawGguf().header(4, 0, 0)), "GGUF version 4 is not supported");
    }

    @Test
    void bigEndianFileIsNamedAsSuch() {
        contains(fails(UnsupportedModelException.class, new RawGguf().header(0x0300_0000, 0, 0)), "big-endian");
    }

    @Test
    void truncatedHeader() {
        String m = fails(ModelFormatException.class, new RawGguf().raw("GGUF".getBytes()).u32(3).u32(0));
        contains(m, "truncated: tensor count needs 8 bytes at byte 8");
    }

    @Test
    void truncatedMetadataString() {
        RawGguf g = new RawGguf().header(3, 0, 1);
        g.key("general.name", GgufValueType.STRING).u64(1000).raw("short".getBytes());
        String m = fails(ModelFormatException.class, g);
        contains(m, "truncated: value of metadata key 'general.name'");
        contains(m, "claims 1000 bytes but only 5 remain");
    }

    @Test
    void truncatedMetadataValue() {
        RawGguf g = new RawGguf().header(3, 0, 1);
        g.key("llama.block_count", GgufValueType.UINT32).raw((byte) 1, (byte) 0);
        contains(fails(ModelFormatException.class, g), "truncated: value of metadata key 'llama.block_count' needs 4 bytes");
    }

    @Test
    void absurdCounts() {
        contains(fails(ModelFormatException.class, new RawGguf().header(3, 1L << 40, 0)),
                "it says 1099511627776 tensors, but only 0 bytes follow");
        contains(fails(ModelFormatException.class, new RawGguf().header(3, 0, 1L << 50)),
                "it says 1125899906842624 metadata entries");
        contains(fails(ModelFormatException.class, new RawGguf().header(3, 0, -1L)),
                "metadata count at byte 16 is 18446744073709551615");
        RawGguf arr = new RawGguf().header(3, 0, 1);
        arr.key("tokenizer.ggml.token_type", GgufValueType.ARRAY).u32(GgufValueType.INT32.id).u64(1L << 33);
        contains(fails(ModelFormatException.class, arr),
                "metadata key 'tokenizer.ggml.token_type' (byte 65) claims 8589934592 elements of INT32");
    }

    @Test
    void unknownValueType() {
        RawGguf g = new RawGguf().header(3, 0, 1);
        g.str("x.weird").u32(13).u32(0);
        contains(fails(ModelFormatException.class, g), "metadata key 'x.weird' has unknown value type 13");
    }

    @Test
    void duplicateKeyAndEmptyKey() {
        RawGguf g = new RawGguf().header(3, 0, 2);
        g.key("a", GgufValueType.UINT8).u8(1).key("a", GgufValueType.UINT8).u8(2);
        contains(fails(ModelFormatException.class, g), "metadata key 'a' appears twice");
        RawGguf e = new RawGguf().header(3, 0, 1);
        e.key("", GgufValueType.UINT8).u8(1);
        contains(fails(ModelFormatException.class, e), "metadata entry 0 has an empty key");
    }

    @Test
    void badAlignment() {
        RawGguf type = new RawGguf().header(3, 0, 1);
        type.key("general.alignment", GgufValueType.UINT64).u64(64);
        contains(fails(ModelFormatException.class, type), "'general.alignment' is UINT64, expected UINT32");
        RawGguf value = new RawGguf().header(3, 0, 1);
        value.key("general.alignment", GgufValueType.UINT32).u32(48);
        contains(fails(ModelFormatException.class, value), "'general.alignment' is 48, expected a power of two");
    }

    @Test
    void unsupportedTensorType() {
        RawGguf g = new RawGguf().header(3, 1, 0);
        g.tensorInfo("blk.0.attn_q.weight", 16, 0, 256, 4).padTo(32).raw(new byte[4096]);
        String m = fails(UnsupportedModelException.class, g);
        contains(m, "tensor 'blk.0.attn_q.weight' has unsupported tensor type IQ2_XXS (ggml type id 16)");
        RawGguf unknown = new RawGguf().header(3, 1, 0);
        unknown.tensorInfo("t", 99, 0, 32).padTo(32).raw(new byte[128]);
        contains(fails(UnsupportedModelException.class, unknown), "unsupported tensor type unknown (ggml type id 99)");
    }

    @Test
    void tensorDataPastTheEndOfTheFile() {
        RawGguf g = new RawGguf().header(3, 1, 0);
        g.tensorInfo("blk.3.ffn_down.weight", F32, 0, 4, 4).padTo(32).raw(new byte[60]); // needs 64
        int size = g.size();
        String m = fails(ModelFormatException.class, g);
        contains(m, "truncated: tensor 'blk.3.ffn_down.weight' data ends at byte " + (size + 4) + " but the file has "
                + size + " bytes");
    }

    @Test
    void misalignedAndOverlappingOffsets() {
        RawGguf mis = new RawGguf().header(3, 1, 0);
        mis.tensorInfo("a", F32, 4, 4).padTo(32).raw(new byte[64]);
        contains(fails(ModelFormatException.class, mis), "tensor 'a' data offset 4 is not a multiple of the alignment 32");

        RawGguf overlap = new RawGguf().header(3, 3, 0);
        overlap.tensorInfo("a", F32, 0, 16); // bytes 0..64
        overlap.tensorInfo("empty", F32, 32, 0); // zero bytes: overlaps nothing
        overlap.tensorInfo("b", F32, 32, 8); // bytes 32..64, inside "a"
        overlap.padTo(32);
        int data = overlap.size();
        overlap.raw(new byte[64]);
        contains(fails(ModelFormatException.class, overlap), "tensors 'a' (bytes " + data + ".." + (data + 64)
                + ") and 'b' (bytes " + (data + 32) + ".." + (data + 64) + ") overlap");
    }

    @Test
    void badShapes() {
        RawGguf dims = new RawGguf().header(3, 1, 0);
        dims.tensorInfo("t", F32, 0, 1, 1, 1, 1, 1);
        contains(fails(ModelFormatException.class, dims), "tensor 't' has 5 dimensions, at most 4 are allowed");

        RawGguf block = new RawGguf().header(3, 1, 0);
        block.tensorInfo("q", Q8_0, 0, 33).padTo(32).raw(new byte[64]);
        contains(fails(ModelFormatException.class, block),
                "tensor 'q' of type Q8_0 has rows of 33 values, not a multiple of the block size 32");

        RawGguf overflow = new RawGguf().header(3, 1, 0);
        overflow.tensorInfo("huge", F32, 0, 1L << 40, 1L << 40);
        contains(fails(ModelFormatException.class, overflow), "tensor 'huge' has dimensions that multiply past 2^63");

        RawGguf negative = new RawGguf().header(3, 1, 0);
        negative.tensorInfo("neg", F32, 0, -2L);
        contains(fails(ModelFormatException.class, negative), "tensor 'neg' dimension 0 is 18446744073709551614");
    }

    @Test
    void duplicateTensorName() {
        RawGguf g = new RawGguf().header(3, 2, 0);
        g.tensorInfo("t", F32, 0, 8).tensorInfo("t", F32, 32, 8).padTo(32).raw(new byte[64]);
        contains(fails(ModelFormatException.class, g), "tensor 't' appears twice");
    }

    @Test
    void arraysNestedTooDeep() {
        RawGguf g = new RawGguf().header(3, 0, 1);
        g.key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < 40; i++) {
            g.u32(GgufValueType.ARRAY.id).u64(1);
        }
        contains(fails(ModelFormatException.class, g), "nests arrays more than 16 deep");
    }

    @Test
    void missingFileIsReportedByName() {
        Path p = dir.resolve("nope.gguf");
        Llama3jException e = assertThrows(Llama3jException.class, () -> GgufFile.open(p));
        contains(e.getMessage(), p + ": cannot read the file");
    }

    @Test
    void quantizedTensorOfAnUnimplementedTypeReadsButIsNotAMatrix() {
        RawGguf g = new RawGguf().header(3, 1, 0);
        g.tensorInfo("q5", 6, 0, 32).padTo(32).raw(new byte[22]); // Q5_0: known to ggml, no matrix here
        Path p = g.write(dir, "q5.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(GgmlType.Q5_0, f.tensor("q5").type());
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> f.tensor("q5").asMatrix());
            contains(e.getMessage(), p + ": tensor 'q5': tensor type Q5_0 is not supported for matrix weights");
        }
    }
}
