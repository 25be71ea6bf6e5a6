package dev.llama3j.json;

/** An object that knows its JSON form (maps, lists, strings, numbers, booleans, null). */
public interface JsonValue {
    Object toJson();
}
