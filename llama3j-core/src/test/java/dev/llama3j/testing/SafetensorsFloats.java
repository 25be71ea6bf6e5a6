package dev.llama3j.testing;

import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Every tensor of an all-F32 safetensors file (an adapter, optimizer state) as floats, by name. */
public final class SafetensorsFloats {
    private SafetensorsFloats() {}

    public static Map<String, float[]> read(Path file) {
        Map<String, float[]> out = new TreeMap<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, SafetensorsTensor> e : SafetensorsFile.open(file, arena).tensors().entrySet()) {
                out.put(e.getKey(), e.getValue().data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED
                        .withOrder(ByteOrder.LITTLE_ENDIAN)));
            }
        }
        return out;
    }
}
