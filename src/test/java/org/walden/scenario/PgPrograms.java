package org.walden.scenario;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.walden.test.TestCluster;

/**
 * PostgreSQL 15's client programs for the scenario tests. As in {@link TestCluster}, a missing
 * program skips the test on a developer machine and fails it when CI=true.
 */
final class PgPrograms {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private PgPrograms() {
    }

    /** The program's path; skips (or, on CI, fails) the test when it is not installed. */
    static String require(String program) {
        Path p = BIN.resolve(program);
        if (!Files.isExecutable(p)) {
            if ("true".equals(System.getenv("CI"))) {
                fail(p + " is missing on CI: install postgresql-15 (see .ci/run)");
            }
            Assumptions.abort(p + " is not installed");
        }
        return p.toString();
    }

    /** A program's exit code and output. */
    record Result(int code, String out, String err) {
        Result check(String what) {
            if (code != 0) {
                throw new IllegalStateException(what + " failed (exit " + code + "):\n" + out + err);
            }
            return this;
        }
    }

    /** Runs {@code cmd} with extra environment {@code env} and {@code stdin} (null: /dev/null). */
    static Result run(List<String> cmd, Map<String, String> env, String stdin, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("walden-scenario", ".out");
            Path err = Files.createTempFile("walden-scenario", ".err");
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            pb.environment().putAll(env);
            pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                    : ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Result run(List<String> cmd) {
        return run(cmd, Map.of(), null, 120);
    }
}
