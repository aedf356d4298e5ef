package org.walden.scenario;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        TestCluster.ToolResult r = TestCluster.runProcess(cmd, env, stdin, timeoutSeconds);
        return new Result(r.code(), r.out(), r.err());
    }

    static Result run(List<String> cmd) {
        return run(cmd, Map.of(), null, 120);
    }
}
