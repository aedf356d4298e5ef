package org.walden.sql.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import org.walden.common.guc.GucServerSettings;
import org.walden.server.Postmaster;
import org.walden.sql.WaldenSqlEngine;
import org.walden.test.TestPorts;

/**
 * A postmaster in this JVM over an in-memory transaction manager, listening on a free port of
 * 127.0.0.1 (trust) for pgjdbc tests of the SQL layer. {@link #close()} waits until it has
 * stopped, so a @TempDir it wrote in can be deleted.
 */
public final class InProcessServer implements AutoCloseable {

    private final Postmaster pm;
    private final int port;

    public InProcessServer(Path dir) throws IOException {
        Path dataDir = Files.createDirectories(dir.resolve("data"));
        Path socketDir = Files.createDirectories(dir.resolve("sock"));
        Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
        port = TestPorts.free();
        GucServerSettings settings = GucServerSettings.defaults(Map.of("port", Integer.toString(port),
                "listen_addresses", "127.0.0.1", "unix_socket_directories", socketDir.toString()));
        MemoryTransactionManager tm = new MemoryTransactionManager();
        WaldenSqlEngine.bootstrap(tm, "postgres", null);
        WaldenSqlEngine sql = new WaldenSqlEngine(tm, null, Clock.systemUTC());
        pm = new Postmaster(dataDir, settings, sql, c -> {
            throw new IllegalStateException("no replication in this test");
        }, Clock.systemUTC());
        pm.start();
    }

    public int port() {
        return port;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
    }

    /** A connection with extra pgjdbc properties (binaryTransferEnable, prepareThreshold, ...). */
    public Connection connect(java.util.Properties properties) throws SQLException {
        java.util.Properties all = new java.util.Properties();
        all.putAll(properties);
        all.setProperty("user", "postgres");
        all.setProperty("password", "");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", all);
    }

    /** Fast shutdown, waited for: its shutdown still writes in the data directory. */
    @Override
    public void close() throws InterruptedException {
        pm.requestShutdown(Postmaster.ShutdownMode.FAST);
        if (!pm.awaitTermination(30_000)) {
            throw new IllegalStateException("the postmaster did not stop in 30 s");
        }
    }
}
