package dev.llama3j.datagen.parquet;

import static dev.llama3j.datagen.parquet.ParquetNames.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes rows (maps from top-level field name to value) as one Parquet row group: every leaf column
 * "shredded" into repetition levels, definition levels and values (Dremel's scheme: a leaf's
 * definition level counts how many of its optional or repeated ancestors are present, its repetition
 * level says at which repeated ancestor a new entry starts), then one UNCOMPRESSED data page v1 per
 * column with RLE levels and PLAIN values, and the footer. Rows are held in memory until {@link #write}.
 */
public final class ParquetFileWriter {
    private final List<ParquetField> fields;
    private final List<Column> columns = new ArrayList<>();
    private long rows;

    public ParquetFileWriter(List<ParquetField> fields) {
        this.fields = List.copyOf(fields);
        for (ParquetField f : fields) {
            collect(f, new ArrayList<>(), 0, 0);
        }
    }

    /** One leaf's path, maximum levels and shredded data. */
    private static final class Column {
        final List<String> path;
        final ParquetField leaf;
        final int maxDef;
        final int maxRep;
        int[] reps = new int[64];
        int[] defs = new int[64];
        int count;
        final ByteArrayOutputStream values = new ByteArrayOutputStream();

        Column(List<String> path, ParquetField leaf, int maxDef, int maxRep) {
            this.path = path;
            this.leaf = leaf;
            this.maxDef = maxDef;
            this.maxRep = maxRep;
        }

        void add(int rep, int def, Object value) {
            if (count == reps.length) {
                reps = Arrays.copyOf(reps, count * 2);
                defs = Arrays.copyOf(defs, count * 2);
            }
            reps[count] = rep;
            defs[count] = def;
            count++;
            if (value != null) {
                ByteBuffer b;
                if (leaf.kind() == ParquetField.Kind.INT64) {
                    b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(longValue(value));
                } else {
                    byte[] s = value.toString().getBytes(StandardCharsets.UTF_8);
                    b = ByteBuffer.allocate(4 + s.length).order(ByteOrder.LITTLE_ENDIAN).putInt(s.length).put(s);
                }
                values.writeBytes(b.array());
            }
        }
    }

    private static long longValue(Object v) {
        if (v instanceof BigInteger big) {
            return big.longValueExact();
        }
        return ((Number) v).longValue();
    }

    private void collect(ParquetField f, List<String> parent, int def, int rep) {
        List<String> path = new ArrayList<>(parent);
        path.add(f.name());
        int d = def + (f.repetition() == REQUIRED ? 0 : 1);
        int r = rep + (f.repetition() == REPEATED ? 1 : 0);
        if (f.leaf()) {
            columns.add(new Column(List.copyOf(path), f, d, r));
        } else {
            for (ParquetField c : f.children()) {
                collect(c, path, d, r);
            }
        }
    }

    /** Adds a row; values are Long/BigInteger (within 64 bits), String, java.util.List and Map as the fields say. */
    public void add(Map<String, ?> row) {
        int[] next = {0};
        for (ParquetField f : fields) {
            shredField(f, row.get(f.name()), 0, 0, next);
        }
        rows++;
    }

    /** Shreds {@code value} of field {@code f}; {@code next} is the index of f's first leaf column. */
    private void shredField(ParquetField f, Object value, int rep, int def, int[] next) {
        if (f.repetition() == REQUIRED) {
            if (value == null) {
                throw new IllegalArgumentException("required field '" + f.name() + "' is null");
            }
            shredValue(f, value, rep, def, next);
        } else if (f.repetition() == OPTIONAL) {
            if (value == null) {
                absent(f, rep, def, next);
            } else {
                shredValue(f, value, rep, def + 1, next);
            }
        } else {
            List<?> entries = (List<?>) value;
            if (entries == null || entries.isEmpty()) {
                absent(f, rep, def, next);
                return;
            }
            int first = next[0];
            int level = columns.get(first).maxRep - repeatedBelow(f);
            for (int i = 0; i < entries.size(); i++) {
                next[0] = first;
                shredValue(f, entries.get(i), i == 0 ? rep : level, def + 1, next);
            }
        }
    }

    private void shredValue(ParquetField f, Object value, int rep, int def, int[] next) {
        if (f.leaf()) {
            columns.get(next[0]++).add(rep, def, value);
            return;
        }
        for (ParquetField c : f.children()) {
            Object childValue = switch (f.kind()) {
                case LIST, LIST_ENTRIES -> value; // the list itself, then each entry, is the child's value
                default -> ((Map<?, ?>) value).get(c.name());
            };
            shredField(c, childValue, rep, def, next);
        }
    }

    /** A null (or empty repeated) field: every leaf under it gets one entry with no value. */
    private void absent(ParquetField f, int rep, int def, int[] next) {
        for (int i = leafCount(f); i > 0; i--) {
            columns.get(next[0]++).add(rep, def, null);
        }
    }

    private static int leafCount(ParquetField f) {
        if (f.leaf()) {
            return 1;
        }
        int n = 0;
        for (ParquetField c : f.children()) {
            n += leafCount(c);
        }
        return n;
    }

    /** Repeated fields strictly below {@code f} on the way to its first leaf. */
    private static int repeatedBelow(ParquetField f) {
        int n = 0;
        for (ParquetField c = f; !c.leaf(); ) {
            c = c.children().get(0);
            if (c.repetition() == REPEATED) {
                n++;
            }
        }
        return n;
    }

    /** Writes the file: PAR1, one column chunk (one data page) per leaf, the footer, its length, PAR1. */
    public void write(OutputStream out) throws IOException {
        byte[] magic = "PAR1".getBytes(StandardCharsets.US_ASCII);
        out.write(magic);
        long offset = magic.length;
        long[] chunkOffsets = new long[columns.size()];
        long[] chunkSizes = new long[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (c.maxRep > 0) {
                levels(body, c.reps, c.count, c.maxRep);
            }
            if (c.maxDef > 0) {
                levels(body, c.defs, c.count, c.maxDef);
            }
            c.values.writeTo(body);
            ThriftCompactWriter h = new ThriftCompactWriter();
            h.begin();
            h.i32(1, DATA_PAGE);
            h.i32(2, body.size());
            h.i32(3, body.size());
            h.struct(5);
            h.i32(1, c.count);
            h.i32(2, PLAIN);
            h.i32(3, RLE);
            h.i32(4, RLE);
            h.end();
            h.end();
            byte[] header = h.toByteArray();
            out.write(header);
            body.writeTo(out);
            chunkOffsets[i] = offset;
            chunkSizes[i] = header.length + body.size();
            offset += chunkSizes[i];
        }
        byte[] footer = footer(chunkOffsets, chunkSizes);
        out.write(footer);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length).array());
        out.write(magic);
    }

    private static void levels(ByteArrayOutputStream body, int[] levels, int count, int max) {
        byte[] rle = RleHybrid.encode(levels, count, RleHybrid.width(max));
        body.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(rle.length).array());
        body.writeBytes(rle);
    }

    private byte[] footer(long[] offsets, long[] sizes) {
        ThriftCompactWriter w = new ThriftCompactWriter();
        w.begin();
        w.i32(1, 1);
        List<ParquetField> all = new ArrayList<>();
        for (ParquetField f : fields) {
            flatten(f, all);
        }
        w.list(2, ThriftCompactReader.STRUCT, all.size() + 1);
        w.begin();
        w.string(4, "schema");
        w.i32(5, fields.size());
        w.end();
        for (ParquetField f : all) {
            schemaElement(w, f);
        }
        w.i64(3, rows);
        w.list(4, ThriftCompactReader.STRUCT, rows == 0 ? 0 : 1);
        if (rows > 0) {
            long total = Arrays.stream(sizes).sum();
            w.begin();
            w.list(1, ThriftCompactReader.STRUCT, columns.size());
            for (int i = 0; i < columns.size(); i++) {
                Column c = columns.get(i);
                w.begin();
                w.i64(2, offsets[i]);
                w.struct(3);
                w.i32(1, c.leaf.kind() == ParquetField.Kind.INT64 ? INT64 : BYTE_ARRAY);
                w.list(2, ThriftCompactReader.I32, 2);
                w.element(PLAIN);
                w.element(RLE);
                w.list(3, ThriftCompactReader.BINARY, c.path.size());
                for (String p : c.path) {
                    w.element(p);
                }
                w.i32(4, UNCOMPRESSED);
                w.i64(5, c.count);
                w.i64(6, sizes[i]);
                w.i64(7, sizes[i]);
                w.i64(9, offsets[i]);
                w.end();
                w.end();
            }
            w.i64(2, total);
            w.i64(3, rows);
            w.end();
        }
        w.string(6, "llama3j");
        w.end();
        return w.toByteArray();
    }

    private static void flatten(ParquetField f, List<ParquetField> out) {
        out.add(f);
        for (ParquetField c : f.children()) {
            flatten(c, out);
        }
    }

    private static void schemaElement(ThriftCompactWriter w, ParquetField f) {
        w.begin();
        if (f.kind() == ParquetField.Kind.INT64) {
            w.i32(1, INT64);
        } else if (f.kind() == ParquetField.Kind.STRING) {
            w.i32(1, BYTE_ARRAY);
        }
        w.i32(3, f.repetition());
        w.string(4, f.name());
        if (!f.leaf()) {
            w.i32(5, f.children().size());
        }
        if (f.kind() == ParquetField.Kind.STRING || f.kind() == ParquetField.Kind.LIST) {
            w.i32(6, f.kind() == ParquetField.Kind.STRING ? CONVERTED_UTF8 : CONVERTED_LIST);
            w.struct(10); // LogicalType union: STRING is field 1, LIST field 3, each an empty struct
            w.struct(f.kind() == ParquetField.Kind.STRING ? 1 : 3);
            w.end();
            w.end();
        }
        w.end();
    }
}
