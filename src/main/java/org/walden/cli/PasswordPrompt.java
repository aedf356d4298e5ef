package org.walden.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Reading a password as PostgreSQL's simple_prompt does: from the terminal without echo when
 * there is one, else a line of standard input (so scripts and tests can pipe one in).
 */
final class PasswordPrompt {

    /** Standard input, read a line at a time across prompts (initdb --pwprompt asks twice). */
    private static BufferedReader stdin;

    private PasswordPrompt() {
    }

    /** Console.isTerminal() where the JDK has it (22+); in Java 21 a console exists only for a terminal. */
    private static boolean isTerminal(Console console) {
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Prints {@code prompt} and reads one line; null at end of input. */
    static synchronized String read(String prompt, PrintStream out) throws IOException {
        Console console = System.console();
        if (console != null && isTerminal(console)) {
            char[] pw = console.readPassword("%s", prompt);
            return pw == null ? null : new String(pw);
        }
        out.print(prompt);
        out.flush();
        if (stdin == null) {
            stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        String line = stdin.readLine();
        out.println();
        return line;
    }

    /**
     * "Password: " on the terminal (or a line of standard input), asked at most once however many
     * connections want it: what a tool hands to PgClient as its password prompt.
     */
    static Supplier<String> once(PrintStream out) {
        String[] answer = new String[1];
        return () -> {
            synchronized (answer) {
                if (answer[0] == null) {
                    try {
                        answer[0] = read("Password: ", out);
                    } catch (IOException e) {
                        answer[0] = "";
                    }
                }
                return answer[0];
            }
        };
    }
}
