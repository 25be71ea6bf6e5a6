package dev.llama3j.chat.jinja;

/**
 * The template itself refused to render, through {@code raise_exception(message)}: chat templates
 * use it to reject conversations they cannot format (several tool calls in one message, tools but
 * no user message). {@link #detail()} is the template's own message.
 */
public class TemplateRaisedException extends TemplateException {
    public TemplateRaisedException(String message) {
        super(message);
    }

    private TemplateRaisedException(String templateName, int line, String message) {
        super(templateName, line, message);
    }

    @Override
    TemplateException at(String templateName, int line) {
        TemplateRaisedException e = new TemplateRaisedException(templateName, line, detail());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
