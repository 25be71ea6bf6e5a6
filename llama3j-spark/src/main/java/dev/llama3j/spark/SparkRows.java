package dev.llama3j.spark;

import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.UltraFeedbackAspect;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@link DatagenRow}s as Spark rows: the columns and values of {@link DatagenRow#toJson()} (the JSON
 * lines the local run writes), typed for Parquet. Ratings and types are 64-bit integers; the judge's
 * text could hold a longer number, which is stored as null and named in the row's {@code error}
 * rather than failing the task (and so the job).
 */
final class SparkRows {
    private static final StructType MESSAGE = new StructType()
            .add("role", DataTypes.StringType, true)
            .add("content", DataTypes.StringType, true);

    private SparkRows() {
    }

    /** The output schema for an aspect (helpfulness and truthfulness add types and their rationales). */
    static StructType schema(UltraFeedbackAspect aspect) {
        List<StructField> fields = new ArrayList<>();
        for (String column : DatagenRow.columns(aspect)) {
            fields.add(DataTypes.createStructField(column, type(column), !column.equals("index")));
        }
        return DataTypes.createStructType(fields);
    }

    private static DataType type(String column) {
        return switch (column) {
            case "index" -> DataTypes.LongType;
            case "generations", "model_names", "rationales", "rationales-for-ratings" ->
                    DataTypes.createArrayType(DataTypes.StringType, true);
            case "ratings", "types" -> DataTypes.createArrayType(DataTypes.LongType, true);
            case "chosen", "rejected" -> DataTypes.createArrayType(MESSAGE, true);
            default -> DataTypes.StringType;
        };
    }

    static Row toRow(DatagenRow row, StructType schema) {
        Map<String, Object> json = row.toJson();
        List<String> tooLong = new ArrayList<>();
        StructField[] fields = schema.fields();
        Object[] values = new Object[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = value(json.get(fields[i].name()), fields[i].dataType(), fields[i].name(), tooLong);
        }
        if (!tooLong.isEmpty()) {
            int error = schema.fieldIndex("error");
            String note = "a rating outside the 64-bit range is stored as null (" + String.join(", ", tooLong) + ")";
            values[error] = values[error] == null ? note : values[error] + "; " + note;
        }
        return RowFactory.create(values);
    }

    private static Object value(Object json, DataType type, String column, List<String> tooLong) {
        if (json == null) {
            return null;
        }
        if (type instanceof ArrayType array) {
            List<Object> out = new ArrayList<>();
            for (Object element : (List<?>) json) {
                out.add(value(element, array.elementType(), column, tooLong));
            }
            return CollectionConverters.asScala(out).toSeq();
        }
        if (type instanceof StructType struct) {
            Map<?, ?> object = (Map<?, ?>) json;
            Object[] values = new Object[struct.fields().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = value(object.get(struct.fields()[i].name()), struct.fields()[i].dataType(), column, tooLong);
            }
            return RowFactory.create(values);
        }
        if (type == DataTypes.LongType) {
            if (json instanceof BigInteger big) {
                if (big.bitLength() >= 64) {
                    tooLong.add(column + " " + big);
                    return null;
                }
                return big.longValue();
            }
            return ((Number) json).longValue();
        }
        return json.toString();
    }
}
