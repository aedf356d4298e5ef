package org.walden.test;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL 15 server beside Walden, for tests that judge Walden by PostgreSQL's output:
 * initdb'd in a temporary directory (as the postgres OS user when the tests run as root, since
 * initdb refuses root), listening on a free port on 127.0.0.1 and a Unix socket in that
 * directory. Missing programs skip the test on a developer machine and fail it when CI=true.
 * {@link #close()} stops the server and removes the directory.
 */
public final class RealPostgres implements AutoCloseable {

    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path root;
    private final int port;
    private boolean started;

    private RealPostgres(Path root, int port) {
        this.root = root;
        this.port = port;
    }

    /** initdb and start; skips (or on CI fails) the calling test when PostgreSQL 15 is not installed. */
    public static RealPostgres start() {
        return start(List.of());
    }

    /** As {@link #start()}, with server settings given as {@code name=value} (postgres -c). */
    public static RealPostgres start(List<String> settings) {
        if (!Files.isExecutable(BIN.resolve("postgres"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail(BIN + "/postgres is missing on CI: install postgresql-15 (see .ci/run)");
            }
            Assumptions.abort("PostgreSQL 15 is not installed");
        }
        try {
            Path root = Files.createTempDirectory("walden-realpg-");
            if (asRoot()) {
                TestCluster.runProcess(List.of("chown", "-R", "postgres", root.toString()), Map.of(), null, 60)
                        .check("chown");
            }
            int port = TestPorts.free();
            RealPostgres pg = new RealPostgres(root, port);
            Path data = root.resolve("data");
            pg.asPostgres(BIN.resolve("initdb") + " -A trust -U postgres -D " + data + " >" + root.resolve("initdb.log")
                    + " 2>&1").check("initdb");
            pg.asPostgres(BIN.resolve("pg_ctl") + " -D " + data + " -l " + root.resolve("log") + " -o '-p " + port
                    + " -k " + root + " -c listen_addresses=127.0.0.1"
                    + settings.stream().map(x -> " -c " + x).collect(java.util.stream.Collectors.joining())
                    + "' -w start >/dev/null").check("pg_ctl start");
            pg.started = true;
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean asRoot() {
        return System.getProperty("user.name").equals("root");
    }

    private TestCluster.ToolResult asPostgres(String shellCommand) {
        List<String> cmd = new ArrayList<>();
        if (asRoot()) {
            cmd.addAll(List.of("su", "postgres", "-s", "/bin/sh", "-c", shellCommand));
        } else {
            cmd.addAll(List.of("sh", "-c", shellCommand));
        }
        return TestCluster.runProcess(cmd, Map.of(), null, 120);
    }

    public int port() {
        return port;
    }

    /** The directory of the Unix socket. */
    public Path socketDir() {
        return root;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
    }

    @Override
    public void close() {
        if (started) {
            asPostgres(BIN.resolve("pg_ctl") + " -D " + root.resolve("data") + " -m immediate stop >/dev/null 2>&1");
            started = false;
        }
        TestCluster.runProcess(List.of("rm", "-rf", root.toString()), Map.of(), null, 60);
    }
}
