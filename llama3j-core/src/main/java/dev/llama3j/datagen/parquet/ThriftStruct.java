package dev.llama3j.datagen.parquet;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A Thrift struct as read, without a generated class: field id to value (Long for every integer
 * type, Boolean, byte[] for binary and strings, Double, List, Map, or a nested ThriftStruct). Parquet's
 * footer and page headers are read this way; the accessors name the struct and field on a mismatch.
 */
record ThriftStruct(String name, Map<Integer, Object> fields) {

    boolean has(int id) {
        return fields.containsKey(id);
    }

    long i64(int id) {
        if (!(fields.get(id) instanceof Long v)) {
            throw new IllegalStateException(name + " field " + id + " is " + describe(id) + ", expected an integer");
        }
        return v;
    }

    int i32(int id) {
        return Math.toIntExact(i64(id));
    }

    /** An optional integer field, or {@code absent}. */
    long i64(int id, long absent) {
        return has(id) ? i64(id) : absent;
    }

    boolean bool(int id, boolean absent) {
        if (!has(id)) {
            return absent;
        }
        if (!(fields.get(id) instanceof Boolean v)) {
            throw new IllegalStateException(name + " field " + id + " is " + describe(id) + ", expected a boolean");
        }
        return v;
    }

    String string(int id) {
        if (!(fields.get(id) instanceof byte[] v)) {
            throw new IllegalStateException(name + " field " + id + " is " + describe(id) + ", expected a string");
        }
        return new String(v, StandardCharsets.UTF_8);
    }

    ThriftStruct struct(int id, String structName) {
        if (!(fields.get(id) instanceof ThriftStruct v)) {
            throw new IllegalStateException(name + " field " + id + " is " + describe(id) + ", expected " + structName);
        }
        return v;
    }

    List<?> list(int id) {
        if (!(fields.get(id) instanceof List<?> v)) {
            throw new IllegalStateException(name + " field " + id + " is " + describe(id) + ", expected a list");
        }
        return v;
    }

    private String describe(int id) {
        Object v = fields.get(id);
        return v == null ? "absent" : v.getClass().getSimpleName();
    }
}
