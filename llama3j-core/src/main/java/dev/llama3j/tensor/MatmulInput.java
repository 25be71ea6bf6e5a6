package dev.llama3j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input of a matrix multiplication: {@code n} fp32 vectors of {@code cols} values, row-major, and
 * — computed on first demand, once for all the matrices that read the same input — the same vectors
 * quantized to 8 bits per 32-value block, which the integer kernels multiply with 4-bit weights (the
 * way llama.cpp pairs Q4_0 weights with Q8_0 activations), or per 256-value super-block for the
 * K-quants' (as llama.cpp's Q8_K).
 *
 * <p>Reused across forward passes: {@link #set} points it at new data without allocating.
 */
public final class MatmulInput {
    public static final int BLOCK = 32;

    float[] x;
    int n;
    int cols;

    // Quantized form: q[t*cols + k] in [-127, 127], per-block scale and per-block sum of q.
    short[] q = new short[0];
    float[] qScale = new float[0];
    int[] qSum = new int[0];
    /**
     * For Q4_0's one- and two-input kernels ({@link #ensureByteInputs}): per 32-value block {@code b}
     * and {@code p < 16}, {@code q[32b + p]} at {@code qByte[32b + p]} and {@code q[32b + 16 + p] −
     * 16·q[32b + p]} at {@code qByte[32b + 16 + p]}. A byte holds the nibbles {@code l} of column
     * {@code p} and {@code h} of column {@code p + 16}: the whole byte times the first plus {@code h}
     * times the second is {@code l·q[32b + p] + h·q[32b + 16 + p]}, without masking {@code l} out of
     * the byte, one vector operation fewer a column (256 × 2048 in the caches, one thread: one input
     * 11.8 → 11.1 µs, two 17.4 → 16.3). At most 17 · 127 in magnitude; the products may wrap past
     * 16 bits, but they are added modulo 2^16 into a block sum whose true value fits
     * ({@link #centredStart}), so the sum comes out exact. Both factors of a column lie in one array,
     * a block's in one cache line: read from {@code q} and a second array, 1B Q4_0's products from
     * memory ran 10-20% slower (docs/SPEED.md, finding 42).
     */
    short[] qByte = new short[0];
    private boolean byteInputs;
    private boolean quantized;

    /**
     * The same vectors quantized per {@link #SUPER_BLOCK} values instead ({@link #ensureSuperBlocksQuantized}),
     * as llama.cpp's Q8_K pairs with its K-quants: {@code kq} in [-127, 127], one fp32 scale a
     * super-block in {@code kScale}, and the sum of {@code kq} per 32-value block in {@code kSum}. With
     * one input scale for a weight super-block's sub-blocks, Q4_K's and Q6_K's generation kernels
     * scale their sums in integers (docs/SPEED.md, finding 34).
     */
    short[] kq = new short[0];
    float[] kScale = new float[0];
    int[] kSum = new int[0];
    private boolean superQuantized;
    /**
     * {@link #kq} in {@link #qByte}'s form, for Q4_K's generation kernels, whose bytes hold values
     * {@code p} and {@code p + 16} of one sub-block ({@link KGroupPacker#pairNibbles}).
     */
    short[] kqByte = new short[0];
    private boolean superByteInputs;

    /** Values that share a scale in {@link #kq}: a K-quant super-block. */
    public static final int SUPER_BLOCK = 256;

    /**
     * Where a 16-bit sum of block {@code b}'s products with 4-bit codes {@code c} (Q4_0's nibbles, in
     * [0, 15]; Q4_K's take {@link #superCentredStart}) starts: at {@code -8·Σq}, so that it ends as
     * {@code Σ(c − 8)·q}. Adds and multiplies wrap in 16 bits and {@code Σc·q} (up to 32 · 15 · 127)
     * may, but the end, at most 32 · 8 · 127 = 32,512, fits: the sum is exact (docs/SPEED.md, finding
     * 32).
     */
    short centredStart(int b) {
        return (short) (-8 * qSum[b]);
    }

    /** {@link #centredStart} for block {@code b} of the super-block form ({@link #kq}). */
    short superCentredStart(int b) {
        return (short) (-8 * kSum[b]);
    }

    /**
     * The quantized form {@link #pairedForIntGemm paired} for {@link IntGemm}: tiles of
     * {@link IntGemm#TILE} tokens (the last filled up with zero tokens), each holding per column pair
     * the tile's words side by side; per block and token the scale, and the scale times the block's sum.
     */
    int[] pairs = new int[0];
    float[] pairScale = new float[0];
    float[] pairSum = new float[0];

    /**
     * The form of the vectors that the weight-only and FP8 matrices read (gathered, scaled or
     * quantized to FP8; see {@link Preparation}), and which preparation made it (null: none since
     * {@link #set}).
     */
    float[] prepared = new float[0];
    /** Per-token or per-group numbers that go with {@link #prepared}. */
    float[] preparedAux = new float[0];
    private Preparation preparedBy;

    /** The vectors, or a prepared form, laid out for {@link Gemm}, made in parts of {@link Gemm#TILE} tokens. */
    private float[] packed = new float[0];
    private final SharedParts packing = new SharedParts();
    /** The making of the paired form, in parts of {@link IntGemm#TILE} tokens. */
    private final SharedParts pairing = new SharedParts();
    private static final Object RAW = new Object();
    private static final Object PAIRED = new Object();

    /**
     * A way of preparing the input for one kind of matrix. Equal preparations make equal forms, so
     * the matrices that share one (q, k and v; gate and up) prepare the input once.
     */
    interface Preparation {
        /** Fills {@code in.prepared} and {@code in.preparedAux} (grown with {@link #room}). */
        void prepare(MatmulInput in);
    }

    /** Points at {@code n} vectors of {@code cols} floats in {@code x}. */
    public MatmulInput set(float[] x, int n, int cols) {
        this.x = x;
        this.n = n;
        this.cols = cols;
        this.quantized = false;
        this.superQuantized = false;
        this.byteInputs = false;
        this.superByteInputs = false;
        this.preparedBy = null;
        this.packing.reset();
        this.pairing.reset();
        return this;
    }

    /**
     * Runs {@code p} on this data unless an equal preparation already did. The workers of a parallel
     * loop call this at the start of their share: the first prepares, the others wait on the lock and
     * then read the finished form (the lock also publishes it to them).
     */
    synchronized void prepare(Preparation p) {
        if (!p.equals(preparedBy)) {
            p.prepare(this);
            preparedBy = p;
        }
    }

    /**
     * The vectors ({@code p} null) or the form {@code p} prepares, {@link Gemm#pack packed} for
     * {@link Gemm#multiply}; made once for all the matrices and workers that read the same input (the
     * workers call this as they call {@link #prepare}). With {@code p}, {@link #prepared} and
     * {@link #preparedAux} hold its form afterwards as well.
     *
     * <p>The workers that call this pack it together, a register tile of tokens at a time, and each
     * returns once the whole form is packed (packed by the first caller alone, while the other waited
     * on the lock, it was about 2% of a 512-token prompt's samples on two threads).
     */
    float[] packedForGemm(Preparation p) {
        float[] src;
        float[] dst;
        int parts;
        synchronized (this) {
            src = x;
            if (p != null) {
                prepare(p);
                src = prepared;
            }
            if (packing.start(p == null ? RAW : p, (n + Gemm.TILE - 1) / Gemm.TILE) && packed.length < n * cols) {
                packed = new float[n * cols];
            }
            dst = packed;
            parts = packing.parts();
        }
        float[] from = src;
        packing.run(parts, part -> {
            int t = part * Gemm.TILE;
            Gemm.pack(from, 0, cols, n, cols, dst, t, Math.min(n, t + Gemm.TILE));
        });
        return dst;
    }

    /** The vectors {@link Gemm#pack packed} for {@link Gemm#multiply}, made once for this data. */
    public float[] packedForGemm() {
        return packedForGemm(null);
    }

    /** Makes {@link #prepared} and {@link #preparedAux} hold at least the given sizes. */
    void room(int preparedSize, int auxSize) {
        if (prepared.length < preparedSize) {
            prepared = new float[preparedSize];
        }
        if (preparedAux.length < auxSize) {
            preparedAux = new float[auxSize];
        }
    }

    public float[] x() {
        return x;
    }

    public int n() {
        return n;
    }

    public int cols() {
        return cols;
    }

    /** Quantizes the vectors to 8-bit blocks unless that was already done for this data. */
    public void ensureQuantized() {
        if (quantized) {
            return;
        }
        roomForQuantized();
        quantizeBlocks(x, n * cols / BLOCK, q, qScale, qSum);
        quantized = true;
    }

    /** Makes {@link #qByte} from the quantized form (made first if need be), once for this data. */
    void ensureByteInputs() {
        if (byteInputs) {
            return;
        }
        ensureQuantized();
        qByte = byteFactors(q, n * cols, qByte);
        byteInputs = true;
    }

    /** Makes {@link #kqByte} from the super-block form (made first if need be), once for this data. */
    void ensureSuperByteInputs() {
        if (superByteInputs) {
            return;
        }
        ensureSuperBlocksQuantized();
        kqByte = byteFactors(kq, n * cols, kqByte);
        superByteInputs = true;
    }

    /**
     * {@link #qByte}'s form of the first {@code values} of {@code src} (whole 32-value blocks), in
     * {@code dst} or, where that is too short, a new array.
     */
    private static short[] byteFactors(short[] src, int values, short[] dst) {
        if (dst.length < values) {
            dst = new short[values];
        }
        VectorSpecies<Short> s = Species.S_HALF;
        for (int b = 0; b < values / BLOCK; b++) {
            for (int p = 0; p < 16; p += s.length()) {
                ShortVector low = ShortVector.fromArray(s, src, b * BLOCK + p);
                low.intoArray(dst, b * BLOCK + p);
                ShortVector.fromArray(s, src, b * BLOCK + 16 + p).sub(low.lanewise(VectorOperators.LSHL, 4))
                        .intoArray(dst, b * BLOCK + 16 + p);
            }
        }
        return dst;
    }

    /**
     * Quantizes the vectors per {@link #SUPER_BLOCK} values ({@link #kq}) unless that was already done
     * for this data; the rows must be whole super-blocks, as the K-quant matrices that read this form are.
     */
    void ensureSuperBlocksQuantized() {
        if (superQuantized) {
            return;
        }
        requireWholeRows(SUPER_BLOCK);
        int total = n * cols;
        if (kq.length < total) {
            kq = new short[total];
            kScale = new float[total / SUPER_BLOCK];
            kSum = new int[total / BLOCK];
        }
        for (int s = 0; s < total / SUPER_BLOCK; s++) {
            int o = s * SUPER_BLOCK;
            float amax = absMax(x, o, SUPER_BLOCK);
            kScale[s] = amax / 127f;
            quantizeSpan(x, o, SUPER_BLOCK, amax == 0 ? 0 : 127f / amax, kq, kSum);
        }
        superQuantized = true;
    }

    /** Refuses rows that are not whole blocks of {@code values}, naming the row length. */
    private void requireWholeRows(int values) {
        if (cols % values != 0) {
            throw new IllegalStateException("row length " + cols + " is not a multiple of " + values);
        }
    }

    /** Grows the quantized form's arrays to this data, whose rows must be whole 8-bit blocks. */
    private void roomForQuantized() {
        requireWholeRows(BLOCK);
        int total = n * cols;
        if (q.length < total) {
            q = new short[total];
            qScale = new float[total / BLOCK];
            qSum = new int[total / BLOCK];
        }
    }

    /**
     * The vectors quantized ({@link #quantizeBlocks}, unless {@link #ensureQuantized} did it before)
     * and laid out for {@link IntGemm}, made once for all the matrices and workers that read this data
     * (the workers call this at the start of their share; they make it together, a tile of tokens
     * each at a time, as {@link #packedForGemm}): token {@code t = 12 T + j}'s values {@code k} and
     * {@code k + 16} of block {@code b} ({@code k < 16}, {@code p = 16 b + k}) as the low and high 16
     * bits of {@code pairs[T·12·cols/2 + 12p + j]}; its block scale at {@code pairScale[T·12·blocks +
     * 12b + j]}, the scale times the block's sum of values at the same place in {@code pairSum}.
     */
    void pairedForIntGemm() {
        int tile = IntGemm.TILE;
        int tiles = (n + tile - 1) / tile;
        synchronized (this) {
            if (pairing.start(PAIRED, tiles)) {
                roomForQuantized();
                int values = tiles * tile * cols;
                if (pairs.length < values / 2) {
                    pairs = new int[values / 2];
                    pairScale = new float[values / BLOCK];
                    pairSum = new float[values / BLOCK];
                }
            }
        }
        pairing.run(tiles, this::pairTile);
    }

    /** Tile {@code tile} of {@link #pairedForIntGemm}'s form, its tokens past {@code n} zero. */
    private void pairTile(int tile) {
        int w = IntGemm.TILE;
        int blocks = cols / BLOCK;
        int half = BLOCK / 2;
        for (int t = tile * w; t < (tile + 1) * w; t++) {
            int j = t - tile * w;
            int pb = tile * w * cols / 2 + j;
            int sb = tile * w * blocks + j;
            if (t >= n) {
                for (int p = 0; p < cols / 2; p++) {
                    pairs[pb + p * w] = 0;
                }
                for (int b = 0; b < blocks; b++) {
                    pairScale[sb + b * w] = 0;
                    pairSum[sb + b * w] = 0;
                }
                continue;
            }
            if (!quantized) {
                quantizeBlocks(x, t * blocks, (t + 1) * blocks, q, qScale, qSum);
            }
            for (int b = 0; b < blocks; b++) {
                int src = t * cols + b * BLOCK;
                int dst = pb + b * half * w;
                for (int k = 0; k < half; k++) {
                    pairs[dst + k * w] = (q[src + k] & 0xffff) | (q[src + k + half] << 16);
                }
                float d = qScale[t * blocks + b];
                pairScale[sb + b * w] = d;
                pairSum[sb + b * w] = d * qSum[t * blocks + b];
            }
        }
    }

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;

    /** 1.5 · 2^23: added to and taken from a float of magnitude below 2^22, it rounds it to an integer, halves to even. */
    private static final float ROUNDER = 12582912f;

    /**
     * Blocks {@code [0, blocks)} of {@code x} to 8 bits as llama.cpp makes its Q8_0 activations: per
     * block {@code q = rint(x · 127 / max|x|)} (halves to even) and the scale {@code max|x| / 127}
     * rounded to fp16, with the sum of the {@code q}. The same rounding as llama.cpp's keeps the two
     * engines' products of 4- and 8-bit weights apart by fp32 rounding only, not by different
     * roundings of the activations. Vectorised: a 1B token quantizes 230,000 values between its
     * products, on one thread while the others wait (scalar, that was about 1.5 ms of a 24 ms token).
     */
    static void quantizeBlocks(float[] x, int blocks, short[] q, float[] qScale, int[] qSum) {
        quantizeBlocks(x, 0, blocks, q, qScale, qSum);
    }

    /** {@link #quantizeBlocks(float[], int, short[], float[], int[])} for blocks {@code [from, to)}. */
    static void quantizeBlocks(float[] x, int from, int to, short[] q, float[] qScale, int[] qSum) {
        for (int b = from; b < to; b++) {
            int o = b * BLOCK;
            float amax = absMax(x, o, BLOCK);
            qScale[b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            quantizeSpan(x, o, BLOCK, amax == 0 ? 0 : 127f / amax, q, qSum);
        }
    }

    /** The largest magnitude of {@code x[o .. o+length)}. */
    private static float absMax(float[] x, int o, int length) {
        FloatVector m = FloatVector.zero(F);
        for (int i = 0; i < length; i += F.length()) {
            m = FloatVector.fromArray(F, x, o + i).abs().max(m);
        }
        return m.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code q[k] = rint(x[k] · id)} (halves to even) for {@code k} in {@code [o, o+length)}, and the
     * sum of each {@link #BLOCK} of them at {@code sums[k / BLOCK]}; {@code |x · id|} is at most 127.
     */
    private static void quantizeSpan(float[] x, int o, int length, float id, short[] q, int[] sums) {
        int step = F.length();
        for (int b = o; b < o + length; b += BLOCK) {
            IntVector sum = IntVector.zero(I);
            for (int i = b; i < b + BLOCK; i += step) {
                // |x · id| <= 127 (and a little for rounding): far below 2^22.
                FloatVector y = FloatVector.fromArray(F, x, i).mul(id).add(ROUNDER).sub(ROUNDER);
                IntVector t = (IntVector) y.convertShape(VectorOperators.F2I, I, 0);
                ((ShortVector) t.convertShape(VectorOperators.I2S, Species.S_HALF, 0)).intoArray(q, i);
                sum = t.add(sum);
            }
            sums[b / BLOCK] = sum.reduceLanes(VectorOperators.ADD);
        }
    }
}
