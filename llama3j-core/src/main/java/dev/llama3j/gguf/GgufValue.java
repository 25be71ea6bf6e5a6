package dev.llama3j.gguf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value: a scalar of a {@link GgufValueType}, a string, or an array of one element
 * type (arrays of arrays included). Immutable.
 *
 * <p>Scalars keep their exact type so that a file read and written again is the same file. Unsigned
 * integers read back zero-extended ({@link #longValue}); a UINT64 above {@link Long#MAX_VALUE} reads back
 * as its raw bits. Arrays are held as Java arrays of the matching width: UINT8/INT8 as {@code byte[]},
 * UINT16/INT16 as {@code short[]}, UINT32/INT32 as {@code int[]}, UINT64/INT64 as {@code long[]}, FLOAT32
 * as {@code float[]}, FLOAT64 as {@code double[]}, BOOL as {@code boolean[]}, STRING as {@code String[]}
 * and ARRAY as {@code GgufValue[]}.
 */
public final class GgufValue {
    private final GgufValueType type;
    private final GgufValueType elementType;
    /** Scalars: the integer value, the raw bits of a float, or 0/1 for BOOL. */
    private final long bits;
    /** STRING: the String; ARRAY: the Java array. */
    private final Object ref;

    private GgufValue(GgufValueType type, GgufValueType elementType, long bits, Object ref) {
        this.type = type;
        this.elementType = elementType;
        this.bits = bits;
        this.ref = ref;
    }

    // ---- scalars ----

    public static GgufValue uint8(int v) {
        return integer(GgufValueType.UINT8, v, 0, 0xFF);
    }

    public static GgufValue int8(int v) {
        return integer(GgufValueType.INT8, v, Byte.MIN_VALUE, Byte.MAX_VALUE);
    }

    public static GgufValue uint16(int v) {
        return integer(GgufValueType.UINT16, v, 0, 0xFFFF);
    }

    public static GgufValue int16(int v) {
        return integer(GgufValueType.INT16, v, Short.MIN_VALUE, Short.MAX_VALUE);
    }

    public static GgufValue uint32(long v) {
        return integer(GgufValueType.UINT32, v, 0, 0xFFFF_FFFFL);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufValueType.INT32, null, v, null);
    }

    /** A UINT64 from its 64 bits (values above {@link Long#MAX_VALUE} are negative longs). */
    public static GgufValue uint64(long bits) {
        return new GgufValue(GgufValueType.UINT64, null, bits, null);
    }

    public static GgufValue int64(long v) {
        return new GgufValue(GgufValueType.INT64, null, v, null);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, Float.floatToRawIntBits(v), null);
    }

    public static GgufValue float64(double v) {
        return new GgufValue(GgufValueType.FLOAT64, null, Double.doubleToRawLongBits(v), null);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v ? 1 : 0, null);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufValueType.STRING, null, 0, Objects.requireNonNull(v, "string value"));
    }

    private static GgufValue integer(GgufValueType type, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(v + " is out of range for " + type + " [" + min + ", " + max + "]");
        }
        return new GgufValue(type, null, v, null);
    }

    // ---- arrays ----

    /**
     * An array of {@code elementType}; {@code elements} is a Java array of the matching kind (see the
     * class comment) and is copied.
     */
    public static GgufValue array(GgufValueType elementType, Object elements) {
        Object copy = switch (elements) {
            case byte[] a -> a.clone();
            case short[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case String[] a -> a.clone();
            case GgufValue[] a -> a.clone();
            default -> throw new IllegalArgumentException("not a GGUF array representation: "
                    + (elements == null ? "null" : elements.getClass().getSimpleName()));
        };
        return ofArray(elementType, copy);
    }

    /** Wraps {@code elements} without copying; checks that it matches {@code elementType}. */
    static GgufValue ofArray(GgufValueType elementType, Object elements) {
        Class<?> expected = javaArrayClass(elementType);
        if (elements == null || elements.getClass() != expected) {
            throw new IllegalArgumentException("an array of " + elementType + " is held as "
                    + expected.getSimpleName() + ", got " + (elements == null ? "null" : elements.getClass().getSimpleName()));
        }
        if (elements instanceof String[] s) {
            for (int i = 0; i < s.length; i++) {
                Objects.requireNonNull(s[i], "string array element " + i);
            }
        }
        if (elements instanceof GgufValue[] v) {
            for (int i = 0; i < v.length; i++) {
                if (v[i] == null || !v[i].isArray()) {
                    throw new IllegalArgumentException("element " + i + " of an array of arrays is not an array");
                }
            }
        }
        return new GgufValue(GgufValueType.ARRAY, elementType, 0, elements);
    }

    static Class<?> javaArrayClass(GgufValueType elementType) {
        return switch (elementType) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufValue[].class;
        };
    }

    public static GgufValue uint8Array(byte... v) {
        return array(GgufValueType.UINT8, v);
    }

    public static GgufValue int8Array(byte... v) {
        return array(GgufValueType.INT8, v);
    }

    public static GgufValue uint16Array(short... v) {
        return array(GgufValueType.UINT16, v);
    }

    public static GgufValue int16Array(short... v) {
        return array(GgufValueType.INT16, v);
    }

    /** UINT32 elements from their 32 bits each. */
    public static GgufValue uint32Array(int... v) {
        return array(GgufValueType.UINT32, v);
    }

    public static GgufValue int32Array(int... v) {
        return array(GgufValueType.INT32, v);
    }

    public static GgufValue uint64Array(long... v) {
        return array(GgufValueType.UINT64, v);
    }

    public static GgufValue int64Array(long... v) {
        return array(GgufValueType.INT64, v);
    }

    public static GgufValue float32Array(float... v) {
        return array(GgufValueType.FLOAT32, v);
    }

    public static GgufValue float64Array(double... v) {
        return array(GgufValueType.FLOAT64, v);
    }

    public static GgufValue boolArray(boolean... v) {
        return array(GgufValueType.BOOL, v);
    }

    public static GgufValue stringArray(String... v) {
        return array(GgufValueType.STRING, v);
    }

    public static GgufValue stringArray(List<String> v) {
        return ofArray(GgufValueType.STRING, v.toArray(new String[0]));
    }

    /** An array whose elements are arrays (llama.cpp itself cannot load these; gguf-py can). */
    public static GgufValue arrayOfArrays(GgufValue... v) {
        return array(GgufValueType.ARRAY, v);
    }

    // ---- reading ----

    public GgufValueType type() {
        return type;
    }

    /** The element type of an array, or null for a scalar or string. */
    public GgufValueType elementType() {
        return elementType;
    }

    public boolean isArray() {
        return type == GgufValueType.ARRAY;
    }

    /** The number of elements of an array. */
    public int length() {
        requireArray();
        return java.lang.reflect.Array.getLength(ref);
    }

    /** An integer scalar, unsigned types zero-extended. */
    public long longValue() {
        if (!type.isInteger()) {
            throw new IllegalStateException(describe() + " is not an integer");
        }
        return bits;
    }

    /** A FLOAT32 or FLOAT64 scalar. */
    public double doubleValue() {
        return switch (type) {
            case FLOAT32 -> Float.intBitsToFloat((int) bits);
            case FLOAT64 -> Double.longBitsToDouble(bits);
            default -> throw new IllegalStateException(describe() + " is not a float");
        };
    }

    public boolean booleanValue() {
        if (type != GgufValueType.BOOL) {
            throw new IllegalStateException(describe() + " is not a bool");
        }
        return bits != 0;
    }

    public String stringValue() {
        if (type != GgufValueType.STRING) {
            throw new IllegalStateException(describe() + " is not a string");
        }
        return (String) ref;
    }

    /** Element {@code i} of an integer array, unsigned types zero-extended. */
    public long longAt(int i) {
        requireArray();
        return switch (elementType) {
            case UINT8 -> ((byte[]) ref)[i] & 0xFFL;
            case INT8 -> ((byte[]) ref)[i];
            case UINT16 -> ((short[]) ref)[i] & 0xFFFFL;
            case INT16 -> ((short[]) ref)[i];
            case UINT32 -> ((int[]) ref)[i] & 0xFFFF_FFFFL;
            case INT32 -> ((int[]) ref)[i];
            case UINT64, INT64 -> ((long[]) ref)[i];
            default -> throw new IllegalStateException(describe() + " is not an array of integers");
        };
    }

    /** Element {@code i} of a FLOAT32 or FLOAT64 array. */
    public double doubleAt(int i) {
        requireArray();
        return switch (elementType) {
            case FLOAT32 -> ((float[]) ref)[i];
            case FLOAT64 -> ((double[]) ref)[i];
            default -> throw new IllegalStateException(describe() + " is not an array of floats");
        };
    }

    public boolean booleanAt(int i) {
        requireArray();
        if (elementType != GgufValueType.BOOL) {
            throw new IllegalStateException(describe() + " is not an array of bools");
        }
        return ((boolean[]) ref)[i];
    }

    public String stringAt(int i) {
        requireArray();
        if (elementType != GgufValueType.STRING) {
            throw new IllegalStateException(describe() + " is not an array of strings");
        }
        return ((String[]) ref)[i];
    }

    public GgufValue arrayAt(int i) {
        requireArray();
        if (elementType != GgufValueType.ARRAY) {
            throw new IllegalStateException(describe() + " is not an array of arrays");
        }
        return ((GgufValue[]) ref)[i];
    }

    /** A copy of the array's elements as its Java array (see the class comment for which kind). */
    public Object toJavaArray() {
        requireArray();
        return switch (ref) {
            case byte[] a -> a.clone();
            case short[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case String[] a -> a.clone();
            case GgufValue[] a -> a.clone();
            default -> throw new AssertionError(ref.getClass());
        };
    }

    /** The internal array, for the writer; callers must not change it. */
    Object arrayRef() {
        requireArray();
        return ref;
    }

    /** Raw scalar bits, for the writer. */
    long bits() {
        return bits;
    }

    private void requireArray() {
        if (!isArray()) {
            throw new IllegalStateException(describe() + " is not an array");
        }
    }

    /** The type as a reader would say it: {@code UINT32}, {@code ARRAY of STRING}. */
    public String describe() {
        return isArray() ? "ARRAY of " + elementType : type.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && v.type == type && v.elementType == elementType && v.bits == bits
                && Objects.deepEquals(v.ref, ref);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(type, elementType, bits);
        return 31 * h + (ref == null ? 0 : Arrays.deepHashCode(new Object[] {ref}));
    }

    @Override
    public String toString() {
        return switch (type) {
            case STRING -> {
                String s = (String) ref;
                yield '"' + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + '"';
            }
            case ARRAY -> describe() + "[" + length() + "]";
            case FLOAT32, FLOAT64 -> type + " " + doubleValue();
            case BOOL -> Boolean.toString(bits != 0);
            case UINT64 -> type + " " + Long.toUnsignedString(bits);
            default -> type + " " + bits;
        };
    }
}
