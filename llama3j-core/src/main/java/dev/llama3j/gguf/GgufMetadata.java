package dev.llama3j.gguf;

import dev.llama3j.error.ModelFormatException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key-value metadata of a GGUF file, in file order, with typed getters. A getter that cannot answer
 * (the key is missing, or holds another type, or a value too large for the Java type) throws a
 * {@link ModelFormatException} naming the file and the key, and saying what it expected.
 *
 * <p>Getters convert where nothing is lost: {@link #getInt} takes any integer type whose value fits,
 * {@link #getFloat} and {@link #getDouble} take floats and integers. Strings, bools and arrays are not
 * converted from other types.
 */
public final class GgufMetadata {
    private final String source;
    private final Map<String, GgufValue> values;

    /** {@code source} names the file in error messages. */
    public GgufMetadata(String source, Map<String, GgufValue> values) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The keys and values in file order (unmodifiable). */
    public Map<String, GgufValue> asMap() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public int size() {
        return values.size();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key}; throws naming the key when it is missing. */
    public GgufValue get(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            throw new ModelFormatException(source + ": metadata key '" + key + "' is missing");
        }
        return v;
    }

    public String getString(String key) {
        GgufValue v = get(key);
        if (v.type() != GgufValueType.STRING) {
            throw wrongType(key, v, "a string");
        }
        return v.stringValue();
    }

    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    public boolean getBoolean(String key) {
        GgufValue v = get(key);
        if (v.type() != GgufValueType.BOOL) {
            throw wrongType(key, v, "a bool");
        }
        return v.booleanValue();
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return has(key) ? getBoolean(key) : defaultValue;
    }

    /** Any integer type whose value fits in a long (a UINT64 at most {@link Long#MAX_VALUE}). */
    public long getLong(String key) {
        GgufValue v = get(key);
        if (!v.type().isInteger()) {
            throw wrongType(key, v, "an integer");
        }
        long x = v.longValue();
        if (v.type() == GgufValueType.UINT64 && x < 0) {
            throw new ModelFormatException(source + ": metadata key '" + key + "' is " + Long.toUnsignedString(x)
                    + ", too large for a signed 64-bit integer");
        }
        return x;
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) {
        long x = getLong(key);
        if (x != (int) x) {
            throw new ModelFormatException(source + ": metadata key '" + key + "' is " + x
                    + ", outside the 32-bit integer range");
        }
        return (int) x;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    /** FLOAT64, FLOAT32 or an integer, as a double. */
    public double getDouble(String key) {
        GgufValue v = get(key);
        if (v.type() == GgufValueType.FLOAT32 || v.type() == GgufValueType.FLOAT64) {
            return v.doubleValue();
        }
        if (v.type().isInteger()) {
            return v.type() == GgufValueType.UINT64 ? unsignedToDouble(v.longValue()) : v.longValue();
        }
        throw wrongType(key, v, "a number");
    }

    public double getDouble(String key, double defaultValue) {
        return has(key) ? getDouble(key) : defaultValue;
    }

    /** FLOAT32, FLOAT64 (rounded) or an integer, as a float. */
    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public String[] getStringArray(String key) {
        GgufValue v = getArray(key);
        if (v.elementType() != GgufValueType.STRING) {
            throw wrongType(key, v, "an array of strings");
        }
        return (String[]) v.toJavaArray();
    }

    /** An array of any integer type whose elements all fit in an int. */
    public int[] getIntArray(String key) {
        GgufValue v = getArray(key);
        if (!v.elementType().isInteger()) {
            throw wrongType(key, v, "an array of integers");
        }
        int n = v.length();
        int[] out = new int[n];
        boolean unsigned64 = v.elementType() == GgufValueType.UINT64;
        for (int i = 0; i < n; i++) {
            long x = v.longAt(i);
            if (x != (int) x || (unsigned64 && x < 0)) {
                throw new ModelFormatException(source + ": metadata key '" + key + "' element " + i + " is "
                        + (unsigned64 ? Long.toUnsignedString(x) : Long.toString(x))
                        + ", outside the 32-bit integer range");
            }
            out[i] = (int) x;
        }
        return out;
    }

    /** An array of any integer type (UINT64 elements above {@link Long#MAX_VALUE} are refused). */
    public long[] getLongArray(String key) {
        GgufValue v = getArray(key);
        if (!v.elementType().isInteger()) {
            throw wrongType(key, v, "an array of integers");
        }
        int n = v.length();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = v.longAt(i);
            if (v.elementType() == GgufValueType.UINT64 && out[i] < 0) {
                throw new ModelFormatException(source + ": metadata key '" + key + "' element " + i + " is "
                        + Long.toUnsignedString(out[i]) + ", too large for a signed 64-bit integer");
            }
        }
        return out;
    }

    /** An array of FLOAT32, FLOAT64 or integers, as floats. */
    public float[] getFloatArray(String key) {
        GgufValue v = getArray(key);
        GgufValueType et = v.elementType();
        int n = v.length();
        float[] out = new float[n];
        if (et == GgufValueType.FLOAT32 || et == GgufValueType.FLOAT64) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) v.doubleAt(i);
            }
        } else if (et.isInteger()) {
            for (int i = 0; i < n; i++) {
                long x = v.longAt(i);
                out[i] = et == GgufValueType.UINT64 ? (float) unsignedToDouble(x) : (float) x;
            }
        } else {
            throw wrongType(key, v, "an array of numbers");
        }
        return out;
    }

    private GgufValue getArray(String key) {
        GgufValue v = get(key);
        if (!v.isArray()) {
            throw wrongType(key, v, "an array");
        }
        return v;
    }

    private ModelFormatException wrongType(String key, GgufValue v, String expected) {
        return new ModelFormatException(source + ": metadata key '" + key + "' is " + v.describe() + ", expected "
                + expected);
    }

    private static double unsignedToDouble(long bits) {
        return bits >= 0 ? bits : (bits >>> 1) * 2.0 + (bits & 1);
    }

    @Override
    public String toString() {
        return source + " metadata " + values;
    }
}
