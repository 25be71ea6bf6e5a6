package dev.llama3j.gguf;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped: the header is parsed and checked when
 * the file is opened, and tensor data stays in the mapping until {@link #close}.
 *
 * <p>Layout, as llama.cpp's {@code gguf.cpp} reads it: magic {@code "GGUF"}, uint32 version, uint64
 * tensor count, uint64 metadata count; the metadata (key string, uint32 value type, value); the tensor
 * infos (name string, uint32 dimension count, uint64 per dimension with {@code ne0} first, uint32 ggml
 * type, uint64 offset); padding to {@code general.alignment} (default 32); then the data section, in
 * which each tensor starts at its offset, a multiple of the alignment.
 *
 * <p>Everything is checked before anything is used: magic, version, counts against the bytes that
 * remain, each string and array length, value and tensor types, dimensions, offsets (aligned, inside the
 * file, not overlapping), duplicate keys and names. Malformed files raise {@link ModelFormatException},
 * well-formed ones that llama3j cannot use (version 1, an unknown tensor type) raise
 * {@link UnsupportedModelException}; both messages name the file and the key or tensor.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    /** Smallest tensor info: empty name (8), dimension count (4), type (4), offset (8). */
    private static final int MIN_TENSOR_INFO_BYTES = 24;
    /** Smallest metadata entry: empty key (8), type (4), one-byte value (1). */
    private static final int MIN_KV_BYTES = 13;
    /** Deeper nesting of arrays than this is taken as corruption (real files use at most one level). */
    private static final int MAX_ARRAY_DEPTH = 16;

    private final Path path;
    private final String source;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensor> tensors;

    private GgufFile(Path path, String source, Arena arena, MemorySegment segment, int version, int alignment,
            long dataOffset, GgufMetadata metadata, Map<String, GgufTensor> tensors) {
        this.path = path;
        this.source = source;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps and parses {@code path}. Close the result to unmap it. */
    public static GgufFile open(Path path) {
        String source = path.toString();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size == 0) {
                    throw new ModelFormatException(source + ": the file is empty, expected a GGUF header");
                }
                seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            return parse(path, source, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new Llama3jException(source + ": cannot read the file: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a GGUF image already in memory (tests, embedded models); {@code source} names it in errors. */
    public static GgufFile parse(MemorySegment bytes, String source) {
        return parse(null, source, null, bytes);
    }

    private static GgufFile parse(Path path, String source, Arena arena, MemorySegment seg) {
        GgufCursor in = new GgufCursor(seg, source);
        int version = readPreamble(in, source);

        long tensorCount = in.count("tensor count");
        long kvCount = in.count("metadata count");
        if (kvCount > in.remaining() / MIN_KV_BYTES) {
            throw new ModelFormatException(source + ": corrupt header: it says " + kvCount
                    + " metadata entries, but only " + in.remaining() + " bytes follow (each entry takes at least "
                    + MIN_KV_BYTES + ")");
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("key of metadata entry " + i);
            if (key.isEmpty()) {
                throw new ModelFormatException(source + ": metadata entry " + i + " has an empty key");
            }
            if (kv.containsKey(key)) {
                throw new ModelFormatException(source + ": metadata key '" + key + "' appears twice");
            }
            GgufValueType type = valueType(in, source, "metadata key '" + key + "'");
            kv.put(key, readValue(in, source, key, type, 0));
        }
        GgufMetadata metadata = new GgufMetadata(source, kv);
        int alignment = alignment(metadata, source);

        if (tensorCount > in.remaining() / MIN_TENSOR_INFO_BYTES) {
            throw new ModelFormatException(source + ": corrupt header: it says " + tensorCount
                    + " tensors, but only " + in.remaining() + " bytes follow the metadata (each tensor info takes at"
                    + " least " + MIN_TENSOR_INFO_BYTES + ")");
        }
        List<TensorInfo> infos = new ArrayList<>((int) tensorCount);
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo t = readTensorInfo(in, source, i);
            if (byName.put(t.name, t) != null) {
                throw new ModelFormatException(source + ": tensor '" + t.name + "' appears twice");
            }
            infos.add(t);
        }

        long dataOffset = alignUp(in.pos(), alignment);
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            if (t.offset % alignment != 0) {
                throw new ModelFormatException(source + ": tensor '" + t.name + "' data offset " + t.offset
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + t.offset;
            long end = start + t.bytes;
            if (start < 0 || end < 0 || end > seg.byteSize()) { // negative: the sum overflowed
                throw new ModelFormatException(source + ": truncated: tensor '" + t.name + "' data ends at byte "
                        + (end < 0 ? "beyond 2^63" : Long.toString(end)) + " but the file has " + seg.byteSize()
                        + " bytes");
            }
            MemorySegment data = seg.asSlice(start, t.bytes).asReadOnly();
            tensors.put(t.name, new GgufTensor(source, t.name, t.type, t.dims, t.offset, data));
        }
        checkOverlaps(infos, source, dataOffset);

        return new GgufFile(path, source, arena, seg, version, alignment, dataOffset, metadata,
                Collections.unmodifiableMap(tensors));
    }

    private static int readPreamble(GgufCursor in, String source) {
        if (in.size() < 4) {
            throw new ModelFormatException(source + ": not a GGUF file: " + in.size()
                    + " bytes, too short for the magic 'GGUF'");
        }
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            String hint = looksLikeSafetensors(in.segment()) ? " (it looks like a safetensors file)" : "";
            throw new ModelFormatException(source + ": not a GGUF file: it starts with " + printable(magic)
                    + ", expected 'GGUF'" + hint);
        }
        int version = in.u32("version");
        if (version == 1) {
            throw new UnsupportedModelException(source + ": GGUF version 1 is not supported (versions 2 and 3 are);"
                    + " convert the model again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = version != 0 && (version & 0xFFFF) == 0
                    ? " (this looks like a big-endian GGUF file; only little-endian files are supported)" : "";
            throw new UnsupportedModelException(source + ": GGUF version " + Integer.toUnsignedString(version)
                    + " is not supported (versions 2 and 3 are)" + hint);
        }
        return version;
    }

    private static GgufValueType valueType(GgufCursor in, String source, String what) {
        int id = in.u32("value type of " + what);
        GgufValueType type = GgufValueType.fromId(id);
        if (type == null) {
            throw new ModelFormatException(source + ": " + what + " has unknown value type " + Integer.toUnsignedString(id)
                    + " (GGUF value types are 0..12)");
        }
        return type;
    }

    private static GgufValue readValue(GgufCursor in, String source, String key, GgufValueType type, int depth) {
        String what = "value of metadata key '" + key + "'";
        return switch (type) {
            case UINT8 -> GgufValue.uint8(in.u8(what) & 0xFF);
            case INT8 -> GgufValue.int8(in.u8(what));
            case UINT16 -> GgufValue.uint16(in.u16(what) & 0xFFFF);
            case INT16 -> GgufValue.int16(in.u16(what));
            case UINT32 -> GgufValue.uint32(in.u32(what) & 0xFFFF_FFFFL);
            case INT32 -> GgufValue.int32(in.u32(what));
            case UINT64 -> GgufValue.uint64(in.u64(what));
            case INT64 -> GgufValue.int64(in.u64(what));
            case FLOAT32 -> GgufValue.float32(Float.intBitsToFloat(in.u32(what)));
            case FLOAT64 -> GgufValue.float64(Double.longBitsToDouble(in.u64(what)));
            case BOOL -> GgufValue.bool(in.u8(what) != 0);
            case STRING -> GgufValue.string(in.string(what));
            case ARRAY -> readArray(in, source, key, depth);
        };
    }

    private static GgufValue readArray(GgufCursor in, String source, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw new ModelFormatException(source + ": metadata key '" + key + "' nests arrays more than "
                    + MAX_ARRAY_DEPTH + " deep");
        }
        GgufValueType et = valueType(in, source, "the elements of metadata key '" + key + "'");
        long at = in.pos();
        long n = in.count("element count of metadata key '" + key + "'");
        if (n > in.remaining() / et.minBytes() || n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(source + ": truncated or corrupt: metadata key '" + key + "' (byte " + at
                    + ") claims " + n + " elements of " + et + " but only " + in.remaining() + " bytes remain");
        }
        int count = (int) n;
        String what = "elements of metadata key '" + key + "'";
        Object elements = switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[count];
                in.array(ValueLayout.JAVA_BYTE, a, count, what);
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[count];
                in.array(GgufCursor.SHORT, a, count, what);
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[count];
                in.array(GgufCursor.INT, a, count, what);
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[count];
                in.array(GgufCursor.LONG, a, count, what);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[count];
                in.array(GgufCursor.FLOAT, a, count, what);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[count];
                in.array(GgufCursor.DOUBLE, a, count, what);
                yield a;
            }
            case BOOL -> {
                byte[] raw = new byte[count];
                in.array(ValueLayout.JAVA_BYTE, raw, count, what);
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = raw[i] != 0;
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[count];
                for (int i = 0; i < count; i++) {
                    a[i] = in.stringElement(key, i);
                }
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[count];
                for (int i = 0; i < count; i++) {
                    a[i] = readArray(in, source, key + "[" + i + "]", depth + 1);
                }
                yield a;
            }
        };
        return GgufValue.ofArray(et, elements);
    }

    private static int alignment(GgufMetadata metadata, String source) {
        if (!metadata.has(GgufKeys.GENERAL_ALIGNMENT)) {
            return DEFAULT_ALIGNMENT;
        }
        GgufValue v = metadata.get(GgufKeys.GENERAL_ALIGNMENT);
        if (v.type() != GgufValueType.UINT32) {
            throw new ModelFormatException(source + ": metadata key '" + GgufKeys.GENERAL_ALIGNMENT + "' is "
                    + v.describe() + ", expected UINT32");
        }
        long a = v.longValue();
        if (a == 0 || (a & (a - 1)) != 0 || a > (1 << 30)) {
            throw new ModelFormatException(source + ": metadata key '" + GgufKeys.GENERAL_ALIGNMENT + "' is " + a
                    + ", expected a power of two");
        }
        return (int) a;
    }

    private record TensorInfo(String name, GgmlType type, long[] dims, long offset, long bytes) {}

    private static TensorInfo readTensorInfo(GgufCursor in, String source, long index) {
        String name = in.string("name of tensor " + index);
        String what = "tensor '" + name + "'";
        int nDims = in.u32("dimension count of " + what);
        if (nDims < 0 || nDims > MAX_DIMS) {
            throw new ModelFormatException(source + ": " + what + " has " + Integer.toUnsignedString(nDims)
                    + " dimensions, at most " + MAX_DIMS + " are allowed");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long ne = in.u64("dimension " + d + " of " + what);
            if (ne < 0) {
                throw new ModelFormatException(source + ": " + what + " dimension " + d + " is "
                        + Long.toUnsignedString(ne) + ", an impossible size");
            }
            dims[d] = ne;
            try {
                elements = Math.multiplyExact(elements, ne);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(source + ": " + what + " has dimensions that multiply past 2^63");
            }
        }
        int typeId = in.u32("type of " + what);
        GgmlType type;
        try {
            type = GgmlType.fromId(typeId, name);
        } catch (UnsupportedModelException e) {
            throw new UnsupportedModelException(source + ": " + e.getMessage());
        }
        long rowLength = nDims == 0 ? 1 : dims[0];
        if (rowLength % type.blockSize != 0) {
            throw new ModelFormatException(source + ": " + what + " of type " + type + " has rows of " + rowLength
                    + " values, not a multiple of the block size " + type.blockSize);
        }
        long offset = in.u64("data offset of " + what);
        if (offset < 0) {
            throw new ModelFormatException(source + ": " + what + " data offset " + Long.toUnsignedString(offset)
                    + " is beyond any file");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements / type.blockSize, (long) type.typeSize);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(source + ": " + what + " is larger than 2^63 bytes");
        }
        return new TensorInfo(name, type, dims, offset, bytes);
    }

    private static void checkOverlaps(List<TensorInfo> infos, String source, long dataOffset) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::offset));
        TensorInfo furthest = null; // the tensor, among those before, whose data ends last
        for (TensorInfo b : sorted) {
            if (b.bytes == 0) {
                continue;
            }
            if (furthest != null && furthest.offset + furthest.bytes > b.offset) {
                TensorInfo a = furthest;
                throw new ModelFormatException(source + ": tensors '" + a.name + "' (bytes " + (dataOffset + a.offset)
                        + ".." + (dataOffset + a.offset + a.bytes) + ") and '" + b.name + "' (bytes "
                        + (dataOffset + b.offset) + ".." + (dataOffset + b.offset + b.bytes) + ") overlap");
            }
            if (furthest == null || b.offset + b.bytes > furthest.offset + furthest.bytes) {
                furthest = b;
            }
        }
    }

    static long alignUp(long pos, int alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    private static boolean looksLikeSafetensors(MemorySegment seg) {
        return seg.byteSize() > 9 && seg.get(ValueLayout.JAVA_BYTE, 8) == '{';
    }

    private static String printable(int magic) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < 4; i++) {
            int c = (magic >>> (8 * i)) & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return sb.append("' (0x").append(String.format("%08x", Integer.reverseBytes(magic))).append(')').toString();
    }

    /**
     * Whether {@code path} is a regular file that starts with the GGUF magic: how a model path is told
     * apart from a Hugging Face folder or a safetensors file, whatever its name.
     */
    public static boolean hasGgufMagic(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // keep reading: a read may return fewer bytes
            }
            return !b.hasRemaining() && b.getInt(0) == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- accessors ----

    /** How the file is named in error messages (its path). */
    public String source() {
        return source;
    }

    /** The file, or null when parsed from memory. */
    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Where the data section starts in the file. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return segment.byteSize();
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** The tensors by name, in file order (unmodifiable). */
    public Map<String, GgufTensor> tensors() {
        return tensors;
    }

    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; throws naming the file and tensor when there is none. */
    public GgufTensor tensor(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(source + ": tensor '" + name + "' is missing");
        }
        return t;
    }

    // Metadata getters, named as in GgufMetadata.

    public boolean has(String key) {
        return metadata.has(key);
    }

    public GgufValue get(String key) {
        return metadata.get(key);
    }

    public String getString(String key) {
        return metadata.getString(key);
    }

    public String getString(String key, String defaultValue) {
        return metadata.getString(key, defaultValue);
    }

    public int getInt(String key) {
        return metadata.getInt(key);
    }

    public int getInt(String key, int defaultValue) {
        return metadata.getInt(key, defaultValue);
    }

    public long getLong(String key) {
        return metadata.getLong(key);
    }

    public float getFloat(String key) {
        return metadata.getFloat(key);
    }

    public float getFloat(String key, float defaultValue) {
        return metadata.getFloat(key, defaultValue);
    }

    public double getDouble(String key) {
        return metadata.getDouble(key);
    }

    public double getDouble(String key, double defaultValue) {
        return metadata.getDouble(key, defaultValue);
    }

    public long getLong(String key, long defaultValue) {
        return metadata.getLong(key, defaultValue);
    }

    public boolean getBoolean(String key) {
        return metadata.getBoolean(key);
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return metadata.getBoolean(key, defaultValue);
    }

    public String[] getStringArray(String key) {
        return metadata.getStringArray(key);
    }

    public int[] getIntArray(String key) {
        return metadata.getIntArray(key);
    }

    public long[] getLongArray(String key) {
        return metadata.getLongArray(key);
    }

    public float[] getFloatArray(String key) {
        return metadata.getFloatArray(key);
    }

    /** Unmaps the file; tensors and matrices from it must not be used afterwards. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    /**
     * An action that unmaps the file, as {@link #close()} does, without holding on to this object:
     * the metadata (the vocabulary's hundreds of thousands of strings) can then be collected while
     * the mapping lives on with the model that uses it.
     */
    public Runnable unmapper() {
        Arena a = arena;
        return () -> {
            if (a != null && a.scope().isAlive()) {
                a.close();
            }
        };
    }

    @Override
    public String toString() {
        return source + " (GGUF v" + version + ", " + metadata.size() + " metadata keys, " + tensors.size()
                + " tensors)";
    }
}
