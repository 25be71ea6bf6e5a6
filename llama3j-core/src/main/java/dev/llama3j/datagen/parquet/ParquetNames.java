package dev.llama3j.datagen.parquet;

/** The names of Parquet's enum values (parquet.thrift), for error messages and the writer. */
final class ParquetNames {
    static final String[] TYPES = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
            "FIXED_LEN_BYTE_ARRAY"};
    static final String[] CODECS = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    static final String[] ENCODINGS = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
            "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};

    static final int INT64 = 2, BYTE_ARRAY = 6;
    static final int REQUIRED = 0, OPTIONAL = 1, REPEATED = 2;
    static final int UNCOMPRESSED = 0, SNAPPY = 1, GZIP = 2;
    static final int PLAIN = 0, PLAIN_DICTIONARY = 2, RLE = 3, DELTA_LENGTH_BYTE_ARRAY = 6, DELTA_BYTE_ARRAY = 7,
            RLE_DICTIONARY = 8;
    static final int DATA_PAGE = 0, DICTIONARY_PAGE = 2, DATA_PAGE_V2 = 3;
    static final int CONVERTED_UTF8 = 0, CONVERTED_LIST = 3;

    private ParquetNames() {
    }

    static String name(String[] names, long value) {
        return value >= 0 && value < names.length ? names[(int) value] : "#" + value;
    }
}
