package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    /** One key of every value type, arrays of every element type, nested and empty arrays. */
    static Map<String, GgufValue> everyValueType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("llama"));
        m.put("t.uint8", GgufValue.uint8(255));
        m.put("t.int8", GgufValue.int8(-128));
        m.put("t.uint16", GgufValue.uint16(65535));
        m.put("t.int16", GgufValue.int16(-32768));
        m.put("t.uint32", GgufValue.uint32(0xFFFF_FFFFL));
        m.put("t.int32", GgufValue.int32(Integer.MIN_VALUE));
        m.put("t.float32", GgufValue.float32(1e-5f));
        m.put("t.float32.nan", GgufValue.float32(Float.intBitsToFloat(0x7FC0_1234)));
        m.put("t.bool.true", GgufValue.bool(true));
        m.put("t.bool.false", GgufValue.bool(false));
        m.put("t.string", GgufValue.string("Grüße, 世界 🦙"));
        m.put("t.string.empty", GgufValue.string(""));
        m.put("t.uint64", GgufValue.uint64(-2L)); // 2^64 - 2
        m.put("t.int64", GgufValue.int64(Long.MIN_VALUE));
        m.put("t.float64", GgufValue.float64(Math.PI));
        m.put("a.uint8", GgufValue.uint8Array((byte) 0, (byte) 255));
        m.put("a.int8", GgufValue.int8Array((byte) -1, (byte) 127));
        m.put("a.uint16", GgufValue.uint16Array((short) 65535, (short) 1));
        m.put("a.int16", GgufValue.int16Array((short) -2));
        m.put("a.uint32", GgufValue.uint32Array(-1, 7));
        m.put("a.int32", GgufValue.int32Array(1, 1, 3, 6));
        m.put("a.uint64", GgufValue.uint64Array(Long.MIN_VALUE));
        m.put("a.int64", GgufValue.int64Array(-5L, 5L));
        m.put("a.float32", GgufValue.float32Array(0.5f, -0f, Float.POSITIVE_INFINITY));
        m.put("a.float64", GgufValue.float64Array(1e300, -1e-300));
        m.put("a.bool", GgufValue.boolArray(true, false, true));
        m.put("a.string", GgufValue.stringArray("Ġt", "he", "Ġ Ġ", "", "<|eot_id|>"));
        m.put("a.empty", GgufValue.int32Array());
        m.put("a.nested", GgufValue.arrayOfArrays(GgufValue.int32Array(1, 2), GgufValue.stringArray("x"),
                GgufValue.arrayOfArrays(GgufValue.float32Array(3f)), GgufValue.uint8Array()));
        return m;
    }

    private record Expected(String name, GgmlType type, long[] dims, byte[] bytes) {}

    /** Random but valid bytes of a tensor (fp16 fields of k-quant blocks set to finite values). */
    private static byte[] tensorBytes(GgmlType type, long[] dims, long seed) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        Random r = new Random(seed);
        if (Quantizer.canQuantize(type)) {
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            return Quantizer.quantize(type, v);
        }
        byte[] b = new byte[(int) type.bytesFor(n)];
        r.nextBytes(b);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int[] halves = switch (type) {
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> new int[0];
        };
        for (int blk = 0; blk < b.length / type.typeSize; blk++) {
            for (int h : halves) {
                bb.putShort(blk * type.typeSize + h, Float.floatToFloat16(0.01f * (blk + 1)));
            }
        }
        return b;
    }

    @Test
    void roundTripsEveryMetadataTypeAndEveryTensorType() throws IOException {
        Map<String, GgufValue> meta = everyValueType();
        GgufWriter w = new GgufWriter();
        meta.forEach(w::put);

        List<Expected> expected = new ArrayList<>();
        Object[][] specs = {
            {"output_norm.weight", GgmlType.F32, new long[] {64}},
            {"token_embd.weight", GgmlType.F16, new long[] {64, 5}},
            {"blk.0.attn_q.weight", GgmlType.BF16, new long[] {64, 3}},
            {"blk.0.attn_k.weight", GgmlType.Q8_0, new long[] {96, 3}},
            {"blk.0.attn_v.weight", GgmlType.Q4_0, new long[] {64, 2}},
            {"blk.0.attn_output.weight", GgmlType.Q4_1, new long[] {32, 3}},
            {"blk.0.ffn_gate.weight", GgmlType.Q4_K, new long[] {256, 2}},
            {"blk.0.ffn_up.weight", GgmlType.Q5_K, new long[] {512, 1}},
            {"blk.0.ffn_down.weight", GgmlType.Q6_K, new long[] {256, 3}},
            {"three.d", GgmlType.F32, new long[] {2, 3, 4}},
            {"empty", GgmlType.F32, new long[] {0}},
        };
        int seed = 0;
        for (Object[] s : specs) {
            Expected e = new Expected((String) s[0], (GgmlType) s[1], (long[]) s[2],
                    tensorBytes((GgmlType) s[1], (long[]) s[2], seed++));
            expected.add(e);
            if (seed % 2 == 0) {
                w.addTensor(e.name, e.type, e.dims, e.bytes);
            } else { // streamed in two pieces through the callback
                w.addTensor(e.name, e.type, e.dims, out -> {
                    int half = e.bytes.length / 2;
                    out.write(e.bytes, 0, half);
                    out.write(ByteBuffer.wrap(e.bytes, half, e.bytes.length - half));
                });
            }
        }
        Path p = dir.resolve("round.gguf");
        w.write(p);
        assertFalse(Files.exists(dir.resolve("round.gguf.partial")));

        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(meta, f.metadata().asMap());
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keys())); // order kept
            assertEquals(expected.size(), f.tensors().size());
            long offset = 0;
            int i = 0;
            for (GgufTensor t : f.tensors().values()) {
                Expected e = expected.get(i++);
                assertEquals(e.name, t.name());
                assertEquals(e.type, t.type());
                assertArrayEquals(e.dims, t.dims());
                assertEquals(offset, t.offset(), "offsets are consecutive, padded to the alignment");
                assertArrayEquals(e.bytes, t.data().toArray(ValueLayout.JAVA_BYTE), e.name);
                offset += (e.bytes.length + 31) / 32 * 32;
            }
            assertEquals(f.dataOffset() + offset, f.fileSize(), "each tensor, the last included, is padded");
        }
    }

    @Test
    void metadataGettersConvertWhatTheyCan() {
        GgufWriter w = new GgufWriter();
        everyValueType().forEach(w::put);
        Path p = dir.resolve("meta.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(255, f.getInt("t.uint8"));
            assertEquals(-128, f.getInt("t.int8"));
            assertEquals(65535, f.getInt("t.uint16"));
            assertEquals(Integer.MIN_VALUE, f.getInt("t.int32"));
            assertEquals(1e-5f, f.getFloat("t.float32"));
            assertEquals(Math.PI, f.getDouble("t.float64"));
            assertTrue(f.getBoolean("t.bool.true"));
            assertEquals("Grüße, 世界 🦙", f.getString("t.string"));
            assertArrayEquals(new int[] {65535, 1}, f.getIntArray("a.uint16"));
            assertArrayEquals(new int[] {0, 255}, f.getIntArray("a.uint8"));
            assertArrayEquals(new long[] {0xFFFF_FFFFL, 7}, f.getLongArray("a.uint32"));
            assertArrayEquals(new float[] {0.5f, -0f, Float.POSITIVE_INFINITY}, f.getFloatArray("a.float32"));
            assertArrayEquals(new float[] {1, 1, 3, 6}, f.getFloatArray("a.int32"));
            assertArrayEquals(new String[] {"Ġt", "he", "Ġ Ġ", "", "<|eot_id|>"}, f.getStringArray("a.string"));
            assertArrayEquals(new int[0], f.getIntArray("a.empty"));
            GgufValue nested = f.get("a.nested");
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            assertEquals(4, nested.length());
            assertEquals("x", nested.arrayAt(1).stringAt(0));
            assertEquals(3.0, nested.arrayAt(2).arrayAt(0).doubleAt(0));
            assertThrows(dev.llama3j.error.ModelFormatException.class, () -> f.getIntArray("a.uint32")); // 2^32-1 > int
        }
    }

    @Test
    void customAlignmentAndStreamedQuantization() {
        float[] rows = new float[4 * 64];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) Math.sin(i);
        }
        Path p = dir.resolve("aligned.gguf");
        new GgufWriter()
                .alignment(64)
                .putString(GgufKeys.GENERAL_ARCHITECTURE, "llama")
                .addTensor("q8", GgmlType.Q8_0, new long[] {64, 4}, out -> {
                    for (int r = 0; r < 4; r++) {
                        out.writeQuantized(GgmlType.Q8_0, rows, r * 64, 64); // one row at a time
                    }
                })
                .addTensor("f32", GgmlType.F32, new long[] {8}, out -> out.writeFloats(rows, 0, 8))
                .write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            assertEquals(320, f.tensor("f32").offset()); // 4 rows of 2 blocks of 34 bytes = 272, padded to 64s
            WeightMatrix m = f.tensor("q8").asMatrix();
            assertArrayEquals(Quantizer.quantize(GgmlType.Q8_0, rows), f.tensor("q8").data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(4, m.rows());
            assertArrayEquals(java.util.Arrays.copyOf(rows, 8), f.tensor("f32").toFloatArray());
        }
    }

    @Test
    void copiesTensorsAndMetadataFromAnotherFile() {
        Path a = dir.resolve("a.gguf");
        new GgufWriter().putUint32(GgufKeys.LLAMA_BLOCK_COUNT, 2)
                .addTensor("t", GgmlType.Q4_0, new long[] {32}, Quantizer.quantize(GgmlType.Q4_0, new float[32]))
                .write(a);
        Path b = dir.resolve("b.gguf");
        try (GgufFile fa = GgufFile.open(a)) {
            new GgufWriter().putAll(fa.metadata()).addTensor(fa.tensor("t")).write(b);
        }
        try (GgufFile fa = GgufFile.open(a); GgufFile fb = GgufFile.open(b)) {
            assertEquals(fa.metadata().asMap(), fb.metadata().asMap());
            assertArrayEquals(fa.tensor("t").data().toArray(ValueLayout.JAVA_BYTE),
                    fb.tensor("t").data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void headerBytesAreAsTheFormatSays() throws IOException {
        Path p = dir.resolve("h.gguf");
        new GgufWriter().putUint32("k", 7).addTensor("t", GgmlType.F32, new long[] {2}, new byte[8]).write(p);
        RawGguf expected = new RawGguf().header(3, 1, 1);
        expected.key("k", GgufValueType.UINT32).u32(7);
        expected.tensorInfo("t", 0, 0, 2).padTo(32).raw(new byte[8]).padTo(32);
        assertArrayEquals(expected.bytes(), Files.readAllBytes(p));
    }

    @Test
    void refusesBadTensorsWithTheirNames() {
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, new byte[16]);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("t", GgmlType.F32, new long[] {4}, new byte[16]));
        assertTrue(dup.getMessage().contains("'t' was already added"), dup.getMessage());
        String longName = "blk.0." + "x".repeat(60);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor(longName, GgmlType.F32, new long[] {1}, new byte[4]));
        IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("q", GgmlType.Q8_0, new long[] {33}, out -> {}));
        assertTrue(block.getMessage().contains("row length 33 is not a multiple of the Q8_0 block size 32"),
                block.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("s", GgmlType.F32, new long[] {4}, new byte[15]));
        assertTrue(size.getMessage().contains("tensor 's': 15 bytes given, F32 [4] takes 16"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufKeys.GENERAL_ALIGNMENT, GgufValue.uint32(48)));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufKeys.GENERAL_ALIGNMENT, GgufValue.int32(64)));
    }

    @Test
    void aCallbackWritingTheWrongSizeFailsAndLeavesNoFile() {
        Path p = dir.resolve("short.gguf");
        GgufWriter w = new GgufWriter().addTensor("blk.1.ffn_up.weight", GgmlType.F32, new long[] {4, 2},
                out -> out.write(new byte[28]));
        Llama3jException e = assertThrows(Llama3jException.class, () -> w.write(p));
        assertTrue(e.getMessage().contains("tensor 'blk.1.ffn_up.weight' (F32 [4, 2]) should be 32 bytes but its data"
                + " wrote 28"), e.getMessage());
        assertFalse(Files.exists(p));
        assertFalse(Files.exists(dir.resolve("short.gguf.partial")));
    }

    @Test
    void valuesCheckTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.int8(128));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufValueType.INT32, new long[1]));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.arrayOfArrays(GgufValue.int32(1)));
        assertEquals(GgufValue.int32Array(1, 2), GgufValue.int32Array(1, 2));
        assertFalse(GgufValue.int32Array(1, 2).equals(GgufValue.uint32Array(1, 2)));
        assertEquals("UINT64 18446744073709551614", GgufValue.uint64(-2).toString());
    }

    @Test
    void largeRowsStreamThroughTheBuffer() throws IOException {
        // more than the 1 MiB write buffer, in one MemorySegment
        int n = 300_000;
        MemorySegment big = MemorySegment.ofArray(new float[n]);
        for (int i = 0; i < n; i++) {
            big.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
        }
        Path p = dir.resolve("big.gguf");
        new GgufWriter().addTensor("big", GgmlType.F32, new long[] {n}, big).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            float[] v = f.tensor("big").toFloatArray();
            assertEquals(299_999f, v[n - 1]);
            assertEquals(123_456f, v[123_456]);
        }
    }
}
