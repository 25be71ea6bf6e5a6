package dev.llama3j.mem;

/**
 * Bytes of a tensor in bitsandbytes' NF4, as QLoRA stores its frozen base: two 4-bit codes per byte
 * plus one scale (absmax) per block of 64 values. Without double quantization each scale is an fp32
 * (0.5 bit per value); with it the scales are 8-bit codes, with one fp32 scale per 256 of them and one
 * fp32 offset per tensor (about 0.127 bit per value). The 256-entry code tables are shared and not counted.
 */
public final class Nf4Storage {
    public static final int BLOCK = 64;
    public static final int SCALE_BLOCK = 256;

    private Nf4Storage() {}

    /** The packed 4-bit codes. */
    public static long codeBytes(long elements) {
        return (elements + 1) / 2;
    }

    /** The block scales, with or without double quantization. */
    public static long scaleBytes(long elements, boolean doubleQuant) {
        long blocks = (elements + BLOCK - 1) / BLOCK;
        if (!doubleQuant) {
            return blocks * Float.BYTES;
        }
        long scaleBlocks = (blocks + SCALE_BLOCK - 1) / SCALE_BLOCK;
        return blocks + scaleBlocks * Float.BYTES + Float.BYTES;
    }
}
