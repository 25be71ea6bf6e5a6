package dev.llama3j.chat.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code namespace(...)} creates: the one mutable object in a template, so that a
 * {@code {% set ns.found = true %}} inside a loop is still visible after it.
 */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    Object get(String name) {
        return attributes.containsKey(name) ? attributes.get(name) : Undefined.attribute(this, name);
    }
}
