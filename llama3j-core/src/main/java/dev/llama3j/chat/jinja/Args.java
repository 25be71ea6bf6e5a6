package dev.llama3j.chat.jinja;

import java.util.List;
import java.util.Map;

/** The arguments of a filter, test, method or global call, read by position or keyword like Python does. */
record Args(String function, List<Object> positional, Map<String, Object> keywords) {
    static final Object ABSENT = new Object();

    Object get(int index, String name, Object defaultValue) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        if (name != null && keywords.containsKey(name)) {
            return keywords.get(name);
        }
        return defaultValue;
    }

    boolean has(int index, String name) {
        return get(index, name, ABSENT) != ABSENT;
    }

    Object required(int index, String name) {
        Object v = get(index, name, ABSENT);
        if (v == ABSENT) {
            throw new TemplateException(function + "() missing required argument '" + name + "'");
        }
        return v;
    }

    String string(int index, String name, String defaultValue) {
        Object v = get(index, name, ABSENT);
        if (v == ABSENT || v == null) {
            return defaultValue;
        }
        if (!PyOps.isString(v)) {
            throw new TemplateException(function + "() argument '" + name + "' must be a string, not " + PyOps.typeName(v));
        }
        return PyOps.text(v);
    }

    long integer(int index, String name, long defaultValue) {
        Object v = get(index, name, ABSENT);
        if (v == ABSENT || v == null) {
            return defaultValue;
        }
        if (!(PyOps.isInteger(v) || v instanceof Boolean)) {
            throw new TemplateException(function + "() argument '" + name + "' must be an integer, not " + PyOps.typeName(v));
        }
        return PyOps.toLong(v);
    }

    boolean bool(int index, String name, boolean defaultValue) {
        Object v = get(index, name, ABSENT);
        return v == ABSENT ? defaultValue : PyOps.truthy(v);
    }

    int size() {
        return positional.size();
    }
}
