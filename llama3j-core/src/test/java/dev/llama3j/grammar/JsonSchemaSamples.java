package dev.llama3j.grammar;

import java.util.List;

/** Schemas for the constrained-generation tests: each keyword the converter supports, alone and combined. */
final class JsonSchemaSamples {
    private JsonSchemaSamples() {}

    static final List<String> SCHEMAS = List.of(
            // types
            "{}",
            "true",
            "{\"type\": \"string\"}",
            "{\"type\": \"number\"}",
            "{\"type\": \"integer\"}",
            "{\"type\": \"boolean\"}",
            "{\"type\": \"null\"}",
            "{\"type\": \"object\"}",
            "{\"type\": \"array\"}",
            "{\"type\": [\"string\", \"null\"]}",
            "{\"type\": [\"integer\", \"boolean\", \"array\"]}",
            // objects
            "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"}, \"age\": {\"type\": \"integer\"}},"
                    + " \"required\": [\"name\", \"age\"]}",
            "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}, \"b\": {\"type\": \"number\"},"
                    + " \"c\": {\"type\": \"boolean\"}}}",
            "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}, \"tag\": {\"type\": \"string\"},"
                    + " \"note\": {\"type\": \"string\"}}, \"required\": [\"id\"], \"additionalProperties\": false}",
            "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}, \"additionalProperties\": true}",
            "{\"type\": \"object\", \"properties\": {\"ab\": {\"const\": 1}, \"a\": {\"const\": 2}}, \"required\": [\"a\"],"
                    + " \"additionalProperties\": {\"type\": \"string\"}}",
            "{\"type\": \"object\", \"additionalProperties\": {\"type\": \"integer\"}}",
            "{\"type\": \"object\", \"additionalProperties\": false}",
            "{\"properties\": {\"x\": {\"type\": \"number\"}, \"y\": {\"type\": \"number\"}}, \"required\": [\"x\", \"y\"]}",
            "{\"type\": \"object\", \"properties\": {\"user\": {\"type\": \"object\", \"properties\": {\"name\":"
                    + " {\"type\": \"string\", \"maxLength\": 8}, \"email\": {\"type\": \"string\", \"pattern\":"
                    + " \"^[a-z]{1,6}@[a-z]{1,6}\\\\.com$\"}}, \"required\": [\"name\", \"email\"]}}, \"required\": [\"user\"]}",
            "{\"type\": \"object\", \"properties\": {\"\\u00e9t\\u00e9\": {\"type\": \"string\"}, \"with \\\"quote\\\"\": "
                    + "{\"type\": \"null\"}}, \"required\": [\"\\u00e9t\\u00e9\", \"with \\\"quote\\\"\"]}",
            "{\"type\": \"object\", \"properties\": {\"gone\": false, \"kept\": {\"type\": \"integer\"}}}",
            // enum, const
            "{\"enum\": [\"red\", \"green\", \"blue\"]}",
            "{\"enum\": [1, \"two\", null, true, {\"a\": [1]}, 2.5]}",
            "{\"type\": \"string\", \"enum\": [\"a\", 1, \"b\"]}",
            "{\"const\": \"fixed \\\"value\\\"\"}",
            "{\"const\": {\"k\": [1, 2, {\"z\": null}]}}",
            // anyOf, oneOf, allOf
            "{\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"string\", \"maxLength\": 3}]}",
            "{\"oneOf\": [{\"type\": \"object\", \"properties\": {\"kind\": {\"const\": \"circle\"}, \"r\": {\"type\": \"number\"}},"
                    + " \"required\": [\"kind\", \"r\"]}, {\"type\": \"object\", \"properties\": {\"kind\": {\"const\": \"square\"},"
                    + " \"side\": {\"type\": \"number\"}}, \"required\": [\"kind\", \"side\"]}]}",
            "{\"allOf\": [{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}, \"required\": [\"a\"]},"
                    + " {\"properties\": {\"b\": {\"type\": \"string\"}}, \"required\": [\"b\"]}]}",
            "{\"$defs\": {\"base\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}, \"required\":"
                    + " [\"id\"]}}, \"allOf\": [{\"$ref\": \"#/$defs/base\"}, {\"properties\": {\"name\": {\"type\": \"string\"}}}]}",
            // arrays
            "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}",
            "{\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"minItems\": 2}",
            "{\"type\": \"array\", \"items\": {\"type\": \"boolean\"}, \"maxItems\": 3}",
            "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"minItems\": 2, \"maxItems\": 4}",
            "{\"type\": \"array\", \"items\": {\"type\": \"null\"}, \"minItems\": 3, \"maxItems\": 3}",
            "{\"type\": \"array\", \"minItems\": 1, \"maxItems\": 1}",
            "{\"type\": \"array\", \"prefixItems\": [{\"type\": \"string\"}, {\"type\": \"integer\"}, {\"type\": \"boolean\"}],"
                    + " \"items\": false}",
            "{\"type\": \"array\", \"items\": false}",
            "{\"type\": \"array\", \"items\": {\"type\": \"array\", \"items\": {\"type\": \"number\"}, \"maxItems\": 2},"
                    + " \"maxItems\": 3, \"uniqueItems\": false}",
            // strings
            "{\"type\": \"string\", \"minLength\": 3}",
            "{\"type\": \"string\", \"maxLength\": 5}",
            "{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 4}",
            "{\"type\": \"string\", \"pattern\": \"^[A-Z]{2}-[0-9]{3,5}$\"}",
            "{\"type\": \"string\", \"pattern\": \"^(cat|dog|b(ir|a)d)s?$\"}",
            "{\"type\": \"string\", \"pattern\": \"^\\\\d+(\\\\.\\\\d{1,2})?$\"}",
            "{\"type\": \"string\", \"pattern\": \"^[^a-z\\\\s]+$\"}",
            "{\"type\": \"string\", \"pattern\": \"^\\\\w+\\\\\\\\path\\\\\\\"q\\\\\\\"$\"}",
            "{\"type\": \"string\", \"pattern\": \"ab+c\"}",
            "{\"type\": \"string\", \"pattern\": \"^x.y[.]?(?:z|\\\\u00e9)*$\"}",
            "{\"type\": \"string\", \"format\": \"date\"}",
            "{\"type\": \"string\", \"format\": \"time\"}",
            "{\"type\": \"string\", \"format\": \"date-time\"}",
            "{\"type\": \"string\", \"format\": \"uuid\"}",
            // numbers with bounds
            "{\"type\": \"integer\", \"minimum\": 0}",
            "{\"type\": \"integer\", \"minimum\": -5, \"maximum\": 5}",
            "{\"type\": \"integer\", \"minimum\": 17, \"maximum\": 1234}",
            "{\"type\": \"integer\", \"exclusiveMinimum\": 99, \"exclusiveMaximum\": 1000}",
            "{\"type\": \"integer\", \"maximum\": -10}",
            "{\"type\": \"integer\", \"minimum\": -987, \"maximum\": -45}",
            "{\"type\": \"integer\", \"minimum\": 2.5, \"maximum\": 7.5}",
            "{\"type\": \"number\", \"minimum\": 0, \"maximum\": 1}",
            "{\"type\": \"number\", \"exclusiveMinimum\": 0, \"exclusiveMaximum\": 10}",
            "{\"type\": \"number\", \"minimum\": -2.5, \"maximum\": 3.25}",
            "{\"type\": \"number\", \"maximum\": -0.5}",
            "{\"type\": \"number\", \"minimum\": 100}",
            // $ref, $defs, definitions, recursion
            "{\"$defs\": {\"point\": {\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"integer\"}, \"y\": {\"type\":"
                    + " \"integer\"}}, \"required\": [\"x\", \"y\"]}}, \"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/point\"},"
                    + " \"maxItems\": 3}",
            "{\"definitions\": {\"name\": {\"type\": \"string\", \"maxLength\": 4}}, \"type\": \"object\", \"properties\":"
                    + " {\"first\": {\"$ref\": \"#/definitions/name\"}, \"last\": {\"$ref\": \"#/definitions/name\"}},"
                    + " \"required\": [\"first\"]}",
            "{\"$defs\": {\"node\": {\"type\": \"object\", \"properties\": {\"value\": {\"type\": \"integer\"}, \"children\":"
                    + " {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}, \"maxItems\": 2}}, \"required\":"
                    + " [\"value\"]}}, \"$ref\": \"#/$defs/node\"}",
            "{\"type\": \"object\", \"properties\": {\"self\": {\"anyOf\": [{\"type\": \"null\"}, {\"$ref\": \"#\"}]}},"
                    + " \"required\": [\"self\"]}",
            // a tool call as a strict schema, with annotations
            "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"title\": \"get_weather\", \"type\": \"object\","
                    + " \"description\": \"weather\", \"properties\": {\"location\": {\"type\": \"string\", \"description\":"
                    + " \"city\", \"examples\": [\"Paris\"]}, \"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"], \"default\":"
                    + " \"celsius\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 14}}, \"required\":"
                    + " [\"location\", \"unit\", \"days\"], \"additionalProperties\": false}");
}
