package dev.llama3j.datagen.parquet;

import java.util.List;

/**
 * A field of a Parquet schema as {@link ParquetFileWriter} writes it: a leaf (64-bit integer or UTF-8
 * string), a struct of fields, or a list in the standard three-level form
 * ({@code optional group name (LIST) { repeated group list { <element> } }}).
 *
 * @param repetition {@link ParquetNames#REQUIRED}, {@code OPTIONAL} or {@code REPEATED}
 * @param kind what the field is
 * @param children a group's fields (empty for a leaf)
 */
public record ParquetField(String name, int repetition, Kind kind, List<ParquetField> children) {

    public enum Kind {
        INT64, STRING, STRUCT,
        /** The LIST-annotated outer group; its one child is the repeated {@code list} group. */
        LIST,
        /** The repeated middle group of a list; its one child is {@code element}. */
        LIST_ENTRIES
    }

    public static ParquetField int64(String name, boolean optional) {
        return new ParquetField(name, optional ? ParquetNames.OPTIONAL : ParquetNames.REQUIRED, Kind.INT64, List.of());
    }

    public static ParquetField string(String name) {
        return new ParquetField(name, ParquetNames.OPTIONAL, Kind.STRING, List.of());
    }

    /** An optional struct; its value is a map from field name to value. */
    public static ParquetField struct(String name, ParquetField... fields) {
        return new ParquetField(name, ParquetNames.OPTIONAL, Kind.STRUCT, List.of(fields));
    }

    /** An optional list whose elements are {@code element} (give it the name {@code element}); its value is a java.util.List. */
    public static ParquetField list(String name, ParquetField element) {
        ParquetField entries = new ParquetField("list", ParquetNames.REPEATED, Kind.LIST_ENTRIES, List.of(element));
        return new ParquetField(name, ParquetNames.OPTIONAL, Kind.LIST, List.of(entries));
    }

    boolean leaf() {
        return kind == Kind.INT64 || kind == Kind.STRING;
    }
}
