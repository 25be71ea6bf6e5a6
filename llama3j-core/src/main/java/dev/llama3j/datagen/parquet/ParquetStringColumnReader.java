package dev.llama3j.datagen.parquet;

import static dev.llama3j.datagen.parquet.ParquetNames.*;

import dev.llama3j.error.InvalidRequestException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads one top-level string column (physical type BYTE_ARRAY, required or optional) of a Parquet file,
 * without Hadoop: the footer ({@code PAR1}, then FileMetaData in Thrift's compact protocol), then the
 * column's chunk in every row group, page by page: a dictionary page, data pages v1 and v2 with
 * definition levels (RLE hybrid) and PLAIN, dictionary-indexed or delta-encoded values
 * (DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY), each page UNCOMPRESSED, GZIP or SNAPPY. The file's other columns, nested or not, are skipped. Anything else (another codec
 * or encoding, a nested or non-string column) is an error naming the file, column and what it found.
 */
public final class ParquetStringColumnReader {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    private final String column;

    private ParquetStringColumnReader(Path file, String column) {
        this.file = file;
        this.column = column;
    }

    /**
     * The column's values in row order, {@code null} where a row has none.
     *
     * @throws InvalidRequestException naming the file (and column) when the file is not Parquet, lacks
     *     the column, or uses what this reader does not read
     */
    public static List<String> read(Path file, String column) {
        return new ParquetStringColumnReader(file, column).read();
    }

    private List<String> read() {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ThriftStruct meta = footer(ch);
            int maxDef = findColumn(meta.list(2));
            List<String> values = new ArrayList<>();
            for (Object g : meta.list(4)) {
                readChunk(ch, chunkOf((ThriftStruct) g), maxDef, values);
            }
            long rows = meta.i64(3);
            if (values.size() != rows) {
                throw malformed("column '" + column + "' has " + values.size() + " values, the footer says " + rows
                        + " rows");
            }
            return values;
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("prompts file " + file + " does not exist", "prompts");
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read Parquet file " + file + ": " + e, "prompts");
        } catch (RuntimeException e) {
            if (e instanceof InvalidRequestException) {
                throw e;
            }
            throw malformed(e.toString());
        }
    }

    private ThriftStruct footer(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 12) {
            throw malformed("only " + size + " bytes, too short for Parquet");
        }
        ByteBuffer head = read(ch, 0, 4);
        ByteBuffer tail = read(ch, size - 8, 8).order(ByteOrder.LITTLE_ENDIAN);
        byte[] tailMagic = new byte[4];
        tail.position(4).get(tailMagic);
        if (!Arrays.equals(head.array(), MAGIC) || !Arrays.equals(tailMagic, MAGIC)) {
            throw new InvalidRequestException(file + " is not a Parquet file (it does not start and end with PAR1)",
                    "prompts");
        }
        int length = tail.getInt(0);
        if (length <= 0 || length > size - 12) {
            throw malformed("footer length " + length + " does not fit in a file of " + size + " bytes");
        }
        return new ThriftCompactReader(read(ch, size - 8 - length, length)).readStruct("FileMetaData");
    }

    /** Checks the schema has the column as a top-level string leaf; returns its max definition level. */
    private int findColumn(List<?> schema) {
        ThriftStruct root = (ThriftStruct) schema.get(0);
        int children = (int) root.i64(5, 0);
        List<String> names = new ArrayList<>();
        int at = 1;
        for (int c = 0; c < children; c++) {
            ThriftStruct field = (ThriftStruct) schema.get(at);
            String name = field.string(4);
            names.add(name);
            if (name.equals(column)) {
                if (field.i64(5, 0) > 0) {
                    throw new InvalidRequestException(file + ": column '" + column + "' is nested (a group), expected"
                            + " a string column", "column");
                }
                long type = field.i64(1, -1);
                if (type != BYTE_ARRAY) {
                    throw new InvalidRequestException(file + ": column '" + column + "' has type "
                            + name(TYPES, type) + ", expected a string column (BYTE_ARRAY)", "column");
                }
                long repetition = field.i64(3, REQUIRED);
                if (repetition == REPEATED) {
                    throw new InvalidRequestException(file + ": column '" + column + "' is repeated, expected one"
                            + " string per row", "column");
                }
                return repetition == OPTIONAL ? 1 : 0;
            }
            at = skip(schema, at);
        }
        throw new InvalidRequestException(file + " has no column '" + column + "' (columns: " + String.join(", ", names)
                + "); choose one with --column", "column");
    }

    /** The index after the schema element at {@code at} and all its descendants. */
    private static int skip(List<?> schema, int at) {
        int children = (int) ((ThriftStruct) schema.get(at)).i64(5, 0);
        int next = at + 1;
        for (int c = 0; c < children; c++) {
            next = skip(schema, next);
        }
        return next;
    }

    /** The ColumnMetaData of this column in a row group. */
    private ThriftStruct chunkOf(ThriftStruct rowGroup) {
        for (Object c : rowGroup.list(1)) {
            ThriftStruct meta = ((ThriftStruct) c).struct(3, "ColumnMetaData");
            List<?> path = meta.list(3);
            if (path.size() == 1 && column.equals(new String((byte[]) path.get(0), StandardCharsets.UTF_8))) {
                return meta;
            }
        }
        throw malformed("a row group has no chunk for column '" + column + "'");
    }

    private void readChunk(FileChannel ch, ThriftStruct meta, int maxDef, List<String> values) throws IOException {
        long codec = meta.i64(4);
        if (codec != UNCOMPRESSED && codec != SNAPPY && codec != GZIP) {
            throw unsupported("compression codec " + name(CODECS, codec) + " (this reader reads UNCOMPRESSED, GZIP"
                    + " and SNAPPY)");
        }
        long total = meta.i64(5);
        long dataOffset = meta.i64(9);
        long dictOffset = meta.i64(11, -1);
        long start = dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset;
        ByteBuffer chunk = read(ch, start, Math.toIntExact(meta.i64(7)));
        List<String> dictionary = null;
        long read = 0;
        while (read < total) {
            ThriftStruct page = new ThriftCompactReader(chunk).readStruct("PageHeader");
            long type = page.i64(1);
            int uncompressed = page.i32(2);
            int compressed = page.i32(3);
            int bodyStart = chunk.position();
            chunk.position(bodyStart + compressed);
            if (type == DICTIONARY_PAGE) {
                ThriftStruct h = page.struct(7, "DictionaryPageHeader");
                checkValueEncoding(h.i64(2), false);
                ByteBuffer body = decompress(codec, chunk, bodyStart, compressed, uncompressed);
                int n = h.i32(1);
                dictionary = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    dictionary.add(plain(body));
                }
            } else if (type == DATA_PAGE) {
                ThriftStruct h = page.struct(5, "DataPageHeader");
                int n = h.i32(1);
                ByteBuffer body = decompress(codec, chunk, bodyStart, compressed, uncompressed);
                int[] defs = null;
                if (maxDef > 0) {
                    long levelEncoding = h.i64(3);
                    if (levelEncoding != RLE) {
                        throw unsupported("definition level encoding " + name(ENCODINGS, levelEncoding));
                    }
                    int length = body.getInt();
                    ByteBuffer levels = body.slice(body.position(), length).order(ByteOrder.LITTLE_ENDIAN);
                    body.position(body.position() + length);
                    defs = RleHybrid.decode(levels, 1, n);
                }
                values(body, h.i64(2), n, defs, dictionary, values);
                read += n;
            } else if (type == DATA_PAGE_V2) {
                ThriftStruct h = page.struct(8, "DataPageHeaderV2");
                int n = h.i32(1);
                int defLength = h.i32(5);
                int repLength = h.i32(6);
                int[] defs = null;
                if (maxDef > 0) {
                    ByteBuffer levels = chunk.slice(bodyStart + repLength, defLength).order(ByteOrder.LITTLE_ENDIAN);
                    defs = RleHybrid.decode(levels, 1, n);
                }
                int levelBytes = defLength + repLength;
                ByteBuffer body = h.bool(7, true)
                        ? decompress(codec, chunk, bodyStart + levelBytes, compressed - levelBytes,
                                uncompressed - levelBytes)
                        : chunk.slice(bodyStart + levelBytes, compressed - levelBytes).order(ByteOrder.LITTLE_ENDIAN);
                values(body, h.i64(4), n, defs, dictionary, values);
                read += n;
            }
            // index pages and pages of kinds added later carry no values: skipped
        }
    }

    private void values(ByteBuffer body, long encoding, int n, int[] defs, List<String> dictionary, List<String> out) {
        checkValueEncoding(encoding, true);
        int present = 0;
        for (int i = 0; i < n; i++) {
            if (defs == null || defs[i] == 1) {
                present++;
            }
        }
        int[] ids = null;
        String[] decoded = null;
        if (encoding == DELTA_LENGTH_BYTE_ARRAY) {
            decoded = DeltaDecoder.lengthByteArray(body, present);
        } else if (encoding == DELTA_BYTE_ARRAY) {
            decoded = DeltaDecoder.byteArray(body, present);
        } else if (encoding != PLAIN) {
            if (dictionary == null) {
                throw malformed("column '" + column + "' has dictionary-encoded values but no dictionary page");
            }
            int width = body.get() & 0xff;
            ids = RleHybrid.decode(body, width, present);
        }
        int next = 0;
        for (int i = 0; i < n; i++) {
            if (defs != null && defs[i] != 1) {
                out.add(null);
            } else if (decoded != null) {
                out.add(decoded[next++]);
            } else if (ids != null) {
                int id = ids[next++];
                if (id < 0 || id >= dictionary.size()) {
                    throw malformed("dictionary index " + id + " of " + dictionary.size() + " entries");
                }
                out.add(dictionary.get(id));
            } else {
                out.add(plain(body));
            }
        }
    }

    private void checkValueEncoding(long encoding, boolean dataPage) {
        boolean ok = encoding == PLAIN || encoding == PLAIN_DICTIONARY || (dataPage && (encoding == RLE_DICTIONARY
                || encoding == DELTA_LENGTH_BYTE_ARRAY || encoding == DELTA_BYTE_ARRAY));
        if (!ok) {
            throw unsupported("value encoding " + name(ENCODINGS, encoding) + (dataPage
                    ? " (this reader reads PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY and"
                            + " DELTA_BYTE_ARRAY)"
                    : " in a dictionary page (this reader reads PLAIN)"));
        }
    }

    private static String plain(ByteBuffer body) {
        int length = body.getInt();
        String s = new String(body.array(), body.arrayOffset() + body.position(), length, StandardCharsets.UTF_8);
        body.position(body.position() + length);
        return s;
    }

    private ByteBuffer decompress(long codec, ByteBuffer chunk, int from, int length, int uncompressed)
            throws IOException {
        byte[] raw = new byte[length];
        chunk.get(from, raw);
        byte[] out = switch ((int) codec) {
            case UNCOMPRESSED -> raw;
            case SNAPPY -> SnappyDecompressor.decompress(raw, 0, length);
            case GZIP -> {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                    yield in.readAllBytes();
                }
            }
            default -> throw new IllegalStateException("codec " + codec);
        };
        if (out.length != uncompressed) {
            throw malformed("a page of column '" + column + "' decompresses to " + out.length + " bytes, its header"
                    + " says " + uncompressed);
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (at + b.position()));
            }
        }
        return b.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    private InvalidRequestException unsupported(String what) {
        return new InvalidRequestException(file + ": column '" + column + "' uses " + what, "prompts");
    }

    private InvalidRequestException malformed(String what) {
        return new InvalidRequestException(file + " is not a well-formed Parquet file: " + what, "prompts");
    }
}
