package dev.llama3j.tensor;

import java.lang.foreign.Arena;

/**
 * One matrix held in two layouts, {@code first} (which also serves rows and products of several
 * inputs) and {@code second}, each one-input product going through the layout that has been faster
 * lately ({@link FasterOfTwo}). For the Q6_K output layer of a model that generates one sequence at
 * a time ({@link Q6KLayout#BOTH}): its byte form reads 0.25 bytes a weight more and its 6-bit form
 * takes more instructions, and which of them is faster changes with the memory's speed, which on the
 * AMD EPYC hosts changes by the minute (1B output layer, 2 threads: byte 4.6 against 6-bit 5.8 ms
 * while the memory was fast, 8.7 against 6.6 while it was slow: docs/SPEED.md, finding 45). Both
 * layouts hold the same values, and their products are the same to the bit.
 */
final class TwoLayoutMatrix extends WeightMatrix {
    private final WeightMatrix first;
    private final WeightMatrix second;
    private final FasterOfTwo choice = new FasterOfTwo();

    TwoLayoutMatrix(WeightMatrix first, WeightMatrix second) {
        super(first.name(), first.type(), first.rows(), first.cols(), first.data());
        if (first.type() != second.type() || first.rows() != second.rows() || first.cols() != second.cols()) {
            throw new IllegalArgumentException(first + " and " + second + " are not one matrix");
        }
        this.first = first;
        this.second = second;
    }

    /** The layout that serves everything but the one-input products ({@code which} 0) or the other. */
    WeightMatrix layout(int which) {
        return which == 0 ? first : second;
    }

    @Override
    public void matmul(WorkerPool pool, MatmulInput in, float[] out) {
        if (in.n() != 1) {
            first.matmul(pool, in, out);
            return;
        }
        int way = choice.next();
        long start = System.nanoTime();
        layout(way).matmul(pool, in, out);
        choice.record(way, System.nanoTime() - start);
    }

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        first.matmul(in, out, outStride, r0, r1);
    }

    @Override
    public void matmul(float[] x, int n, int xStride, float[] out, int outStride, int r0, int r1) {
        first.matmul(x, n, xStride, out, outStride, r0, r1);
    }

    @Override
    public void prepareInput(MatmulInput in) {
        first.prepareInput(in); // the same form for both layouts: they are one type's
    }

    @Override
    protected boolean usesSuperBlockInput(int n) {
        return first.usesSuperBlockInput(n);
    }

    @Override
    public boolean usesQuantizedInput(int n) {
        return first.usesQuantizedInput(n);
    }

    @Override
    MatmulInput.Preparation preparation(int n) {
        return first.preparation(n);
    }

    @Override
    public int rowGrain() {
        return first.rowGrain();
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return first.dot(row, x, xOff);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        first.dequantizeRow(row, out, outOff);
    }

    @Override
    public long bytes() {
        return first.bytes() + second.bytes();
    }

    @Override
    public WeightMatrix optimized(Arena arena, WorkerPool pool) {
        return this;
    }

    @Override
    WeightMatrix withTuning(KernelTuning tuning) {
        return new TwoLayoutMatrix(first.withTuning(tuning), second.withTuning(tuning));
    }
}
