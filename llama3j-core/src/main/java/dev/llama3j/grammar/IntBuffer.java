package dev.llama3j.grammar;

import java.util.Arrays;

/** A growable {@code int} array (the grammar code's lists of elements, ranges and stack ids, unboxed). */
final class IntBuffer {
    private int[] data;
    private int size;

    IntBuffer() {
        this(8);
    }

    IntBuffer(int capacity) {
        data = new int[Math.max(1, capacity)];
    }

    void add(int value) {
        if (size == data.length) {
            data = Arrays.copyOf(data, size * 2);
        }
        data[size++] = value;
    }

    int get(int i) {
        return data[i];
    }

    void set(int i, int value) {
        data[i] = value;
    }

    int size() {
        return size;
    }

    void truncate(int newSize) {
        size = newSize;
    }

    void clear() {
        size = 0;
    }

    IntBuffer slice(int from, int to) {
        IntBuffer out = new IntBuffer(to - from);
        for (int i = from; i < to; i++) {
            out.add(data[i]);
        }
        return out;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
