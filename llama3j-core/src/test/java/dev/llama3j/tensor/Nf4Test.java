package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NF4 against goldens written from bitsandbytes' algorithm by {@code tools/fixtures/nf4_goldens.py}:
 * codes (high nibble first), block absmax, dequantized values, and double quantization's 8-bit
 * scales, all bit for bit.
 */
class Nf4Test {
    private static int rows;
    private static int cols;
    private static float[] input;

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = Nf4Test.class.getResourceAsStream("/nf4/" + name)) {
            return in.readAllBytes();
        }
    }

    private static float[] floats(String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @BeforeAll
    static void load() throws IOException {
        Map<String, Object> meta = Json.asObject(Json.parse(new String(bytes("meta.json"))), "meta");
        rows = Json.asInt(meta.get("rows"), "rows");
        cols = Json.asInt(meta.get("cols"), "cols");
        input = floats("input.f32");
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + " [" + i + "]: expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    private static float[] dequantizeAll(WeightMatrix m) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, out, r * cols);
        }
        return out;
    }

    @Test
    void codesAndScalesAreBitsandbytes() throws IOException {
        byte[] codes = new byte[input.length / 2];
        float[] absmax = new float[input.length / 64];
        Nf4Codec.quantize(input, input.length, codes, absmax);
        assertArrayEquals(bytes("codes.u8"), codes);
        assertBits(floats("absmax.f32"), absmax, "absmax");
        // the all-zero block: absmax 0, NaN after scaling, code 0 everywhere, as the GPU kernel gives
        assertEquals(0f, absmax[0]);
        assertEquals(0, codes[0]);
        // first value in the high nibble: block 1 starts with the code values -1, -0.696...: codes 0 and 1
        assertEquals(0x01, codes[32]);
    }

    @Test
    void dequantizedValuesAreBitsandbytes() throws IOException {
        Nf4Matrix m = Nf4Matrix.of("w", rows, cols, bytes("codes.u8"), floats("absmax.f32"), false);
        assertBits(floats("dequantized.f32"), dequantizeAll(m), "dequantized");
        assertEquals(rows * cols / 2 + 4L * rows * cols / 64, m.storedBytes());
    }

    @Test
    void quantizingAnyMatrixGivesTheSameCodes() throws IOException {
        WeightMatrix f32 = WeightMatrix.of("w", GgmlType.F32, rows, cols, MemorySegment.ofArray(input));
        Nf4Matrix m = Nf4Matrix.quantize(f32, false);
        byte[] expected = bytes("codes.u8");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], m.packed(i), "byte " + i);
        }
        assertEquals(GgmlType.NF4, m.type());
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (i % 7 - 3) * 0.25f;
        }
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            double expect = 0;
            for (int i = 0; i < cols; i++) {
                expect += (double) row[i] * x[i];
            }
            assertEquals(expect, m.dot(r, x, 0), 1e-4 * (1 + Math.abs(expect)), "row " + r);
        }
    }

    @Test
    void dynamicMapIsBitsandbytes() throws IOException {
        assertBits(floats("dynamic-map.f32"), DynamicQuant8.dynamicMap(), "create_dynamic_map");
    }

    @Test
    void doubleQuantizationIsBitsandbytes() throws IOException {
        Nf4Matrix m = Nf4Matrix.of("w", rows, cols, bytes("codes.u8"), floats("absmax.f32"), true);
        Map<String, Object> meta = Json.asObject(Json.parse(new String(bytes("meta.json"))), "meta");
        assertEquals(Json.asLong(meta.get("offset_bits"), "offset_bits"), Float.floatToRawIntBits(m.offset()));
        assertArrayEquals(bytes("absmax-codes.u8"), m.absmaxCodes());
        assertBits(floats("absmax2.f32"), m.absmax2(), "absmax2");
        assertBits(floats("dequantized-double-quant.f32"), dequantizeAll(m), "dequantized (double quant)");
        assertTrue(m.doubleQuant());
        long blocks = rows * cols / 64;
        assertEquals(rows * cols / 2 + blocks + 4 * ((blocks + 255) / 256) + 4, m.storedBytes());
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefused() {
        WeightMatrix f32 = WeightMatrix.of("odd", GgmlType.F32, 2, 96, MemorySegment.ofArray(new float[192]));
        var e = assertThrows(UnsupportedModelException.class, () -> Nf4Matrix.quantize(f32, false));
        assertTrue(e.getMessage().contains("'odd': row length 96 is not a multiple of NF4's block size 64"),
                e.getMessage());
    }
}
