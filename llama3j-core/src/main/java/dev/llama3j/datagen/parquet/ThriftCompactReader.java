package dev.llama3j.datagen.parquet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Thrift's compact protocol (the encoding of Parquet's footer and page headers) into
 * {@link ThriftStruct}s. Field headers carry a field-id delta and a type nibble; integers are zigzag
 * varints; a list header carries its size (escaped to a varint from 15 up) and element type.
 */
final class ThriftCompactReader {
    static final int STOP = 0, TRUE = 1, FALSE = 2, BYTE = 3, I16 = 4, I32 = 5, I64 = 6, DOUBLE = 7, BINARY = 8,
            LIST = 9, SET = 10, MAP = 11, STRUCT = 12;

    private final ByteBuffer in;

    /** Reads from {@code in}'s position on, advancing it past what was read. */
    ThriftCompactReader(ByteBuffer in) {
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
    }

    ThriftStruct readStruct(String name) {
        Map<Integer, Object> fields = new LinkedHashMap<>();
        int last = 0;
        while (true) {
            int header = in.get() & 0xff;
            int type = header & 0x0f;
            if (type == STOP) {
                return new ThriftStruct(name, fields);
            }
            int delta = header >>> 4;
            int id = delta == 0 ? (short) zigzag(varint()) : last + delta;
            last = id;
            fields.put(id, value(type));
        }
    }

    private Object value(int type) {
        return switch (type) {
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case BYTE -> (long) in.get();
            case I16, I32, I64 -> zigzag(varint());
            case DOUBLE -> in.getDouble();
            case BINARY -> {
                int n = Math.toIntExact(varint());
                if (n < 0 || n > in.remaining()) {
                    throw new IllegalStateException("binary of " + n + " bytes with " + in.remaining() + " left");
                }
                byte[] b = new byte[n];
                in.get(b);
                yield b;
            }
            case LIST, SET -> {
                int header = in.get() & 0xff;
                int size = header >>> 4;
                if (size == 15) {
                    size = Math.toIntExact(varint());
                }
                int elementType = header & 0x0f;
                List<Object> list = new ArrayList<>(Math.min(size, 1024));
                for (int i = 0; i < size; i++) {
                    list.add(elementType == TRUE || elementType == FALSE ? in.get() == TRUE : value(elementType));
                }
                yield list;
            }
            case MAP -> {
                int size = Math.toIntExact(varint());
                Map<Object, Object> map = new HashMap<>();
                if (size > 0) {
                    int types = in.get() & 0xff;
                    for (int i = 0; i < size; i++) {
                        Object k = value(types >>> 4);
                        map.put(k, value(types & 0x0f));
                    }
                }
                yield map;
            }
            case STRUCT -> readStruct("struct");
            default -> throw new IllegalStateException("unknown Thrift compact type " + type);
        };
    }

    private long varint() {
        return varint(in);
    }

    /** An unsigned LEB128 varint (also the run headers of {@link RleHybrid}). */
    static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.get() & 0xff;
            v |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return v;
            }
        }
        throw new IllegalStateException("varint longer than 10 bytes");
    }

    static long zigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
