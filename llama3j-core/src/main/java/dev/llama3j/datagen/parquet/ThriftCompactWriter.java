package dev.llama3j.datagen.parquet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes Thrift's compact protocol, the encoding {@link ThriftCompactReader} reads: a struct is
 * {@link #begin()}, fields (each header a delta from the previous field id of that struct), {@link #end()}.
 */
final class ThriftCompactWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Deque<Integer> lastIds = new ArrayDeque<>();
    private int lastId;

    void begin() {
        lastIds.push(lastId);
        lastId = 0;
    }

    void end() {
        out.write(ThriftCompactReader.STOP);
        lastId = lastIds.pop();
    }

    void i32(int id, long v) {
        field(id, ThriftCompactReader.I32);
        varint(zigzag(v));
    }

    void i64(int id, long v) {
        field(id, ThriftCompactReader.I64);
        varint(zigzag(v));
    }

    void string(int id, String v) {
        field(id, ThriftCompactReader.BINARY);
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        out.writeBytes(b);
    }

    /** A struct field: call {@link #end()} after its fields. */
    void struct(int id) {
        field(id, ThriftCompactReader.STRUCT);
        begin();
    }

    /** A list field header; the elements follow (structs: {@link #begin()} ... {@link #end()} each). */
    void list(int id, int elementType, int size) {
        field(id, ThriftCompactReader.LIST);
        if (size < 15) {
            out.write(size << 4 | elementType);
        } else {
            out.write(0xf0 | elementType);
            varint(size);
        }
    }

    /** A list element of an integer type. */
    void element(long v) {
        varint(zigzag(v));
    }

    /** A list element of type binary. */
    void element(String v) {
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        out.writeBytes(b);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void field(int id, int type) {
        int delta = id - lastId;
        if (delta > 0 && delta <= 15) {
            out.write(delta << 4 | type);
        } else {
            out.write(type);
            varint(zigzag(id));
        }
        lastId = id;
    }

    private void varint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }
}
