package dev.llama3j.chat.jinja;

import dev.llama3j.error.Llama3jException;

/**
 * A template that cannot be parsed or rendered: a syntax error, an unknown filter, a type error
 * such as adding a number to a string, an attribute of an undefined value. The message names the
 * template and the line, e.g. {@code chat template, line 12: no filter named 'shout'}.
 */
public class TemplateException extends Llama3jException {
    private final String templateName;
    private final int line;
    private final String detail;

    public TemplateException(String detail) {
        this(null, -1, detail);
    }

    public TemplateException(String templateName, int line, String detail) {
        super(format(templateName, line, detail));
        this.templateName = templateName;
        this.line = line;
        this.detail = detail;
    }

    private static String format(String templateName, int line, String detail) {
        if (line <= 0) {
            return detail;
        }
        return (templateName == null ? "template" : templateName) + ", line " + line + ": " + detail;
    }

    /** The line the error is on, 1-based, or -1 when not yet known. */
    public int line() {
        return line;
    }

    /** The message without the template name and line. */
    public String detail() {
        return detail;
    }

    public String templateName() {
        return templateName;
    }

    /** The same error, located at {@code line} of {@code templateName}. */
    TemplateException at(String templateName, int line) {
        TemplateException e = new TemplateException(templateName, line, detail);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
