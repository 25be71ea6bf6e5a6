package dev.llama3j.safetensors;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to dtype, shape and byte range, then the raw data. Nothing is copied onto the
 * heap; {@link SafetensorsTensor#data()} is a slice of the mapping.
 */
public final class SafetensorsFile {
    /** Headers larger than this are not plausible (the format's own limit is 100 MB). */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private final Path path;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps {@code path} into {@code arena}; the tensors stay valid while the arena is open. */
    public static SafetensorsFile open(Path path, Arena arena) {
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path + ": file not found");
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
        long size = all.byteSize();
        if (size < 8) {
            throw new ModelFormatException(path + ": truncated safetensors file (" + size + " bytes, no header)");
        }
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER) {
            throw new ModelFormatException(path + ": not a safetensors file (header length " + headerLen + ")");
        }
        if (8 + headerLen > size) {
            throw new ModelFormatException(path + ": truncated safetensors file: header of " + headerLen
                    + " bytes but the file has " + size + " bytes");
        }
        byte[] headerBytes = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        Map<String, Object> header;
        try {
            header = Json.asObject(Json.parse(new String(headerBytes, StandardCharsets.UTF_8)), "header");
        } catch (JsonException e) {
            throw new ModelFormatException(path + ": bad safetensors header: " + e.getMessage());
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (e.getValue() instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
                }
                continue;
            }
            tensors.put(name, parseTensor(path, name, e.getValue(), all, dataStart, dataSize));
        }
        return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), metadata);
    }

    private static SafetensorsTensor parseTensor(Path path, String name, Object info, MemorySegment all,
            long dataStart, long dataSize) {
        String what = path.getFileName() + ": tensor '" + name + "'";
        try {
            Map<String, Object> m = Json.asObject(info, what);
            String dtype = Json.asString(m.get("dtype"), what + " dtype");
            List<Object> shapeList = Json.asArray(m.get("shape"), what + " shape");
            List<Object> offsets = Json.asArray(m.get("data_offsets"), what + " data_offsets");
            long[] shape = new long[shapeList.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Json.asLong(shapeList.get(i), what + " shape");
                if (shape[i] < 0) {
                    throw new ModelFormatException(path + ": tensor '" + name + "' has a negative dimension");
                }
                elements = Math.multiplyExact(elements, shape[i]);
            }
            if (offsets.size() != 2) {
                throw new ModelFormatException(path + ": tensor '" + name + "' data_offsets must have 2 entries");
            }
            long begin = Json.asLong(offsets.get(0), what + " data_offsets");
            long end = Json.asLong(offsets.get(1), what + " data_offsets");
            GgmlType type = dtype(path, name, dtype);
            long expected = elements * elementBytes(dtype);
            if (begin < 0 || end < begin || end - begin != expected) {
                throw new ModelFormatException(path + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] but " + dtype + " " + java.util.Arrays.toString(shape) + " needs " + expected + " bytes");
            }
            if (end > dataSize) {
                throw new ModelFormatException(path + ": truncated: tensor '" + name + "' data ends at byte "
                        + (dataStart + end) + " but the file has " + (dataStart + dataSize) + " bytes");
            }
            return new SafetensorsTensor(name, dtype, type, shape, all.asSlice(dataStart + begin, end - begin));
        } catch (JsonException | ArithmeticException e) {
            throw new ModelFormatException(path + ": bad header entry for tensor '" + name + "': " + e.getMessage());
        }
    }

    private static GgmlType dtype(Path path, String name, String dtype) {
        return switch (dtype) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            case "I32" -> GgmlType.I32; // the packed INT4 words of AWQ, GPTQ and compressed-tensors
            case "F8_E4M3", "F8_E5M2" -> null; // FP8 checkpoints: no ggml type; dev.llama3j.quant reads them
            default -> throw new UnsupportedModelException(path + ": tensor '" + name + "' has dtype " + dtype
                    + "; llama3j reads F32, F16, BF16, I32, F8_E4M3 and F8_E5M2 safetensors");
        };
    }

    private static long elementBytes(String dtype) {
        return switch (dtype) {
            case "F32", "I32" -> 4;
            case "F8_E4M3", "F8_E5M2" -> 1;
            default -> 2;
        };
    }

    public Path path() {
        return path;
    }

    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
