package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TerminalConsoleTest {
    @Test
    void generatedTextCannotDriveTheTerminal() {
        String plain = "Line one\n\tindented, ünïcödé, 77°F";
        assertSame(plain, TerminalConsole.printable(plain));
        assertEquals("^[[2J^[]0;pwned^G red\\x9b31m\\x7f ok\n", TerminalConsole.printable(
                "\u001b[2J\u001b]0;pwned\u0007 red\u009b31m\u007f ok\r\n"));
    }
}
