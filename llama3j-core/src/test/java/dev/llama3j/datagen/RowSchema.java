package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The checked-in JSON Schema of datagen rows, applied by an independent validator. */
final class RowSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = load();

    private RowSchema() {}

    private static Schema load() {
        try (InputStream in = DatagenRow.class.getResourceAsStream("row.schema.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Error> errors(String line) {
        try {
            return SCHEMA.validate(JSON.readTree(line));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertValid(String line) {
        assertEquals(List.of(), errors(line), line);
    }
}
