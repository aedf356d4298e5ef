package org.walden.server;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;
import org.walden.common.PgException;
import org.walden.common.auth.Md5Password;
import org.walden.common.auth.ScramSha256;
import org.walden.common.guc.GucServerSettings;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.PgServerError;
import org.walden.protocol.QueryResult;

/** A real Postmaster on 127.0.0.1 and a Unix socket, driven by pgjdbc and PgClient, with a fake SQL engine. */
class PostmasterTest {

    @TempDir
    Path tmp;
    Path dataDir;
    Path socketDir;
    int port;
    FakeSqlEngine engine;
    Postmaster pm;
    final List<ReplicationHandler.ReplicationConnection> replicationConnections = new CopyOnWriteArrayList<>();
    /** The walsender thread's log context (MDC) when the handler took the connection over. */
    final List<Map<String, String>> replicationLogContexts = new CopyOnWriteArrayList<>();

    static final String HBA = """
            # TYPE  DATABASE        USER            ADDRESS                 METHOD
            local   all             all                                     trust
            local   replication     all                                     trust
            host    all             u_reject        127.0.0.1/32            reject
            host    all             u_scram         127.0.0.1/32            scram-sha-256
            host    all             u_md5           127.0.0.1 255.255.255.255  md5
            host    all             u_clear         127.0.0.1/32            password
            host    postgres        u_trust,nolog,norepl,limited,admin  127.0.0.1/32  trust
            host    "nodb"          u_trust         127.0.0.1/32            trust
            host    replication     rep,norepl      127.0.0.1/32            trust
            host    all             all             ::1/128                 trust
            """;

    @BeforeEach
    void setUp() throws IOException {
        dataDir = Files.createDirectories(tmp.resolve("data"));
        socketDir = Files.createDirectories(tmp.resolve("sock"));
        Files.writeString(dataDir.resolve("pg_hba.conf"), HBA);
        port = TestPorts.free();
        String scram = ScramSha256.buildVerifier("pw", new byte[16], 4096).encode();
        engine = new FakeSqlEngine()
                .role("u_trust", false, true, false, -1, null)
                .role("u_scram", false, true, false, -1, scram)
                .role("u_md5", false, true, false, -1, Md5Password.verifier("pw", "u_md5"))
                .role("u_clear", false, true, false, -1, scram)
                .role("u_reject", true, true, true, -1, null)
                .role("nolog", false, false, false, -1, null)
                .role("norepl", false, true, false, -1, null)
                .role("rep", false, true, true, -1, null)
                .role("limited", false, true, false, 1, null)
                .role("admin", true, true, false, -1, null);
        startPostmaster(4);
    }

    private void startPostmaster(int maxConnections) throws IOException {
        startPostmaster(maxConnections, socketDir.toString());
    }

    private void startPostmaster(int maxConnections, String unixSocketDirectories) throws IOException {
        GucServerSettings settings = GucServerSettings.defaults(Map.of("port", Integer.toString(port),
                "listen_addresses", "127.0.0.1", "unix_socket_directories", unixSocketDirectories,
                "max_connections", Integer.toString(maxConnections), "superuser_reserved_connections", "1",
                "server_version", "15.0 (Walden)"));
        pm = new Postmaster(dataDir, settings, engine, c -> {
            replicationLogContexts.add(org.slf4j.MDC.getCopyOfContextMap());
            replicationConnections.add(c);
            return new ReplicationHandler.ReplicationSession() {
                @Override
                public void run() throws IOException {
                    c.out().write(org.walden.protocol.BackendMessages.readyForQuery('I'));
                    c.out().flush();
                    // Serve until the client leaves: read and drop messages.
                    while (c.in().read() >= 0) {
                        // drain
                    }
                }

                @Override
                public void requestShutdown() {
                }
            };
        }, Clock.systemUTC());
        // a restart right after a stop may find the port's previous listener still closing: try again
        for (int attempt = 1; ; attempt++) {
            try {
                pm.start();
                return;
            } catch (org.walden.common.PgException e) {
                if (attempt == 30 || !e.getMessage().contains("could not create any TCP/IP sockets")) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (pm != null) {
            assertThat(pm.stop(Postmaster.ShutdownMode.IMMEDIATE, 10_000)).isTrue();
        }
    }

    private Connection jdbc(String user, String password, String db) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, p);
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void pgjdbcConnectsWithEveryPasswordMethod() throws Exception {
        for (String user : List.of("u_trust", "u_scram", "u_md5", "u_clear")) {
            try (Connection c = jdbc(user, "pw", "postgres")) {
                assertThat(query(c, "select current_user")).isEqualTo(user);
            }
        }
    }

    @Test
    void wrongPasswordAndHbaMessagesAreFatal28xxx() {
        assertThatThrownBy(() -> jdbc("u_scram", "nope", "postgres")).isInstanceOf(PSQLException.class)
                .hasMessageContaining("password authentication failed for user \"u_scram\"")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("28P01");
        assertThatThrownBy(() -> jdbc("u_md5", "nope", "postgres"))
                .hasMessageContaining("password authentication failed for user \"u_md5\"");
        assertThatThrownBy(() -> jdbc("stranger", null, "postgres")).isInstanceOf(PSQLException.class)
                .hasMessageContaining("no pg_hba.conf entry for host \"127.0.0.1\", user \"stranger\", "
                        + "database \"postgres\", no encryption")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("28000");
        assertThatThrownBy(() -> jdbc("u_reject", null, "postgres"))
                .hasMessageContaining("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"u_reject\", "
                        + "database \"postgres\", no encryption");
    }

    @Test
    void roleAndDatabaseChecksAfterAuthentication() throws Exception {
        assertThatThrownBy(() -> jdbc("nolog", null, "postgres"))
                .hasMessageContaining("role \"nolog\" is not permitted to log in");
        assertThatThrownBy(() -> jdbc("u_trust", null, "nodb"))
                .hasMessageContaining("database \"nodb\" does not exist")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("3D000");
        engine.roles.remove("u_trust");
        assertThatThrownBy(() -> jdbc("u_trust", null, "postgres"))
                .hasMessageContaining("role \"u_trust\" does not exist");
        try (Connection c = jdbc("limited", null, "postgres")) {
            assertThatThrownBy(() -> jdbc("limited", null, "postgres"))
                    .hasMessageContaining("too many connections for role \"limited\"")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("53300");
        }
    }

    @Test
    void logConnectionsAndFailedPasswordDetail() throws Exception {
        // "org.walden.server" is PgLog's logger and the parent of Backend's and BackendStartup's.
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "org.walden.server");
        // Backend threads append while this thread reads: a thread-safe list, not ListAppender's ArrayList.
        List<ch.qos.logback.classic.spi.ILoggingEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.AppenderBase<>() {
                    @Override
                    protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                        e.prepareForDeferredProcessing(); // take the MDC of the thread that logged
                        events.add(e);
                    }
                };
        appender.start();
        logger.addAppender(appender);
        try {
            GucServerSettings settings = (GucServerSettings) pm.settings();
            settings.setInternal("log_connections", "on");
            settings.setInternal("log_disconnections", "on");
            settings.setInternal("log_statement", "all");
            try (Connection c = jdbc("u_trust", null, "postgres")) {
                assertThat(query(c, "select 1")).isEqualTo("1");
            }
            assertThatThrownBy(() -> jdbc("u_md5", "bad", "postgres")).isInstanceOf(SQLException.class);
            waitFor(() -> events.stream().anyMatch(e -> e.getFormattedMessage().startsWith("disconnection")));
            List<String> lines = events.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .toList();
            assertThat(lines).anyMatch(l -> l.matches("connection received: host=127\\.0\\.0\\.1 port=\\d+"));
            assertThat(lines).contains("connection authorized: user=u_trust database=postgres application_name=");
            assertThat(lines).contains("execute <unnamed>: select 1");
            assertThat(lines).anyMatch(l -> l.matches("disconnection: session time: 0:00:\\d\\d\\.\\d{3} "
                    + "user=u_trust database=postgres host=127\\.0\\.0\\.1 port=\\d+"));
            // As PostgreSQL writes them: the session's %u %d %a %r %h, FATAL (not "LOG:  FATAL:"),
            // and the log-only DETAIL on a line of its own.
            org.walden.server.logging.PgLayout layout = new org.walden.server.logging.PgLayout(
                    "%u|%d|%a|%r|%h|", java.time.ZoneId.of("UTC"), 1);
            List<String> formatted = events.stream().map(layout::doLayout).toList();
            assertThat(formatted).anyMatch(l -> l.matches("u_trust\\|postgres\\|PostgreSQL JDBC Driver\\|"
                    + "127\\.0\\.0\\.1\\(\\d+\\)\\|127\\.0\\.0\\.1\\|LOG:  execute <unnamed>: select 1\n"));
            assertThat(formatted).anyMatch(l -> l.matches("u_md5\\|postgres\\|[^|]*\\|127\\.0\\.0\\.1\\(\\d+\\)\\|"
                    + "127\\.0\\.0\\.1\\|FATAL:  password authentication failed for user \"u_md5\"\n"
                    + "u_md5\\|postgres\\|[^|]*\\|127\\.0\\.0\\.1\\(\\d+\\)\\|127\\.0\\.0\\.1\\|"
                    + "DETAIL:  Connection matched pg_hba.conf line 6: "
                    + "\"host    all             u_md5           127.0.0.1 255.255.255.255  md5\"\n"));
            assertThat(formatted).noneMatch(l -> l.contains("LOG:  FATAL"));
            assertThat(formatted).anyMatch(l -> l.matches("\\|\\|\\|127\\.0\\.0\\.1\\(\\d+\\)\\|127\\.0\\.0\\.1\\|"
                    + "LOG:  connection received: host=127\\.0\\.0\\.1 port=\\d+\n"));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void maxConnections() throws Exception {
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(jdbc("u_trust", null, "postgres"));
            }
            assertThatThrownBy(() -> jdbc("u_trust", null, "postgres"))
                    .hasMessageContaining("remaining connection slots are reserved for non-replication superuser"
                            + " connections")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("53300");
            open.add(jdbc("admin", null, "postgres")); // the reserved slot
            assertThatThrownBy(() -> jdbc("admin", null, "postgres"))
                    .hasMessageContaining("sorry, too many clients already")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("53300");
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        waitFor(() -> pm.backendCount() == 0);
        try (Connection c = jdbc("u_trust", null, "postgres")) {
            assertThat(query(c, "select 1")).isEqualTo("1");
        }
    }

    @Test
    void extendedProtocolThroughPreparedStatements() throws Exception {
        try (Connection c = jdbc("u_trust", null, "postgres")) {
            for (int i = 0; i < 7; i++) { // past prepareThreshold: named statements S_n
                try (PreparedStatement ps = c.prepareStatement("select ?")) {
                    ps.setString(1, "v" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).isEqualTo("v" + i);
                    }
                }
            }
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(3); // Execute with a row limit → PortalSuspended
                try (ResultSet rs = s.executeQuery("generate 10")) {
                    int n = 0;
                    while (rs.next()) {
                        n++;
                        assertThat(rs.getInt(1)).isEqualTo(n);
                    }
                    assertThat(n).isEqualTo(10);
                }
            }
            c.commit();
            c.setAutoCommit(true);
            assertThatThrownBy(() -> query(c, "fail")).hasMessageContaining("syntax error at or near \"fail\"");
            assertThat(query(c, "select again")).isEqualTo("again"); // the error did not break the connection
            assertThat(c.isValid(5)).isTrue(); // empty query → EmptyQueryResponse
        }
    }

    @Test
    void copyFromStdinWithPgjdbcAndPsql() throws Exception {
        try (Connection c = jdbc("u_trust", null, "postgres")) {
            org.postgresql.copy.CopyManager cm = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            long n = cm.copyIn("copy t from stdin", new java.io.StringReader("1\tx\n2\ty\n3\tz\n"));
            assertThat(n).isEqualTo(3);
        }
        assertThat(engine.sessions.get(0).copied).containsExactly("1\tx", "2\ty", "3\tz");
        Path psql = Path.of("/usr/lib/postgresql/15/bin/psql");
        if (Files.isExecutable(psql)) {
            Process p = new ProcessBuilder(psql.toString(), "-X", "-h", socketDir.toString(), "-p",
                    Integer.toString(port), "-U", "u_trust", "-d", "postgres", "-c", "copy t from stdin")
                    .redirectErrorStream(true).start();
            p.getOutputStream().write("7\tseven\n8\teight\n\\.\n".getBytes());
            p.getOutputStream().close();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("COPY 2");
            assertThat(engine.sessions.get(1).copied).containsExactly("7\tseven", "8\teight");
        }
    }

    @Test
    void cancelViaStatementCancel() throws Exception {
        try (Connection c = jdbc("u_trust", null, "postgres"); Statement s = c.createStatement()) {
            CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
                try {
                    s.execute("sleep");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            waitFor(() -> engine.sessions.stream().anyMatch(x -> x.sleeping));
            s.cancel();
            Throwable t = running.get(10, TimeUnit.SECONDS);
            assertThat(t).isInstanceOf(SQLException.class).hasMessageContaining("canceling statement due to user request");
            assertThat(((SQLException) t).getSQLState()).isEqualTo("57014");
            assertThat(query(c, "select ok")).isEqualTo("ok");
        }
    }

    @Test
    void aSocketDirectoryThatCannotBeCreatedIsSkippedWithAWarning() throws Exception {
        assertThat(pm.stop(Postmaster.ShutdownMode.IMMEDIATE, 10_000)).isTrue();
        pm = null;
        Path blocker = Files.writeString(tmp.resolve("a-file"), "");
        Path missing = tmp.resolve("missing/sock"); // created at start
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "org.walden.server");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            startPostmaster(4, blocker.resolve("sub") + "," + missing);
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(missing.resolve(".s.PGSQL." + port)).exists();
        assertThat(blocker.resolveSibling("sub")).doesNotExist();
        org.walden.server.logging.PgLayout layout = new org.walden.server.logging.PgLayout("", java.time.ZoneId.of("UTC"),
                1);
        assertThat(appender.list.stream().map(layout::doLayout)).contains(
                "WARNING:  could not create Unix-domain socket in directory \"" + blocker.resolve("sub") + "\"\n"
                        + "DETAIL:  could not create directory \"" + blocker.resolve("sub") + "\": Not a directory\n");
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=" + missing + " port=" + port + " user=u_trust"
                + " dbname=postgres"))) {
            assertThat(c.simpleQuery("select 1").rows().get(0)[0]).isEqualTo("1");
        }
    }

    @Test
    void unixSocketAndReplicationHandOver() throws Exception {
        assertThat(socketDir.resolve(".s.PGSQL." + port)).exists();
        assertThat(socketDir.resolve(".s.PGSQL." + port + ".lock")).exists();
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=" + socketDir + " port=" + port + " user=u_trust"
                + " dbname=postgres application_name=t1"))) {
            assertThat(c.parameterStatus("server_version")).startsWith("15.");
            assertThat(c.parameterStatus("application_name")).isEqualTo("t1");
            assertThat(c.parameterStatus("integer_datetimes")).isEqualTo("on");
            assertThat(c.parameterStatus("session_authorization")).isEqualTo("u_trust");
            List<QueryResult> rs = c.simpleQueryAll("select a; select b;");
            assertThat(rs).extracting(r -> r.rows().get(0)[0]).containsExactly("a", "b");
            assertThat(c.simpleQueryAll("")).extracting(QueryResult::commandTag).containsExactly("");
            assertThat(c.simpleQuery("set application_name = changed").commandTag()).isEqualTo("SET");
            assertThat(c.parameterStatus("application_name")).isEqualTo("changed");
        }
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=rep replication=true application_name=s1"))) {
            assertThat(c.backendPid()).isPositive();
            waitFor(() -> !replicationConnections.isEmpty());
            ReplicationHandler.ReplicationConnection rc = replicationConnections.get(0);
            assertThat(rc.userName()).isEqualTo("rep");
            assertThat(rc.applicationName()).isEqualTo("s1");
            assertThat(rc.backendPid()).isEqualTo(c.backendPid());
            assertThat(rc.clientAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(rc.database()).isNull();
            assertThat(replicationLogContexts.get(0))
                    .containsEntry(org.walden.server.logging.PgLogContext.USER, "rep")
                    .containsEntry(org.walden.server.logging.PgLogContext.APPLICATION, "s1")
                    .containsEntry(org.walden.server.logging.PgLogContext.REMOTE_HOST, "127.0.0.1")
                    .containsEntry(org.walden.server.logging.PgLogContext.BACKEND_TYPE, "walsender")
                    .containsEntry(org.walden.server.logging.PgLogContext.PID, Integer.toString(c.backendPid()));
        }
        assertThatThrownBy(() -> PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=norepl replication=true")))
                .isInstanceOf(PgServerError.class)
                .hasMessage("must be superuser or replication role to start walsender");
        // "all" does not match a physical replication connection.
        assertThatThrownBy(() -> PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=u_trust replication=true")))
                .hasMessage("no pg_hba.conf entry for replication connection from host \"127.0.0.1\", "
                        + "user \"u_trust\", no encryption");
    }

    @Test
    void encryptionRequestsAreAnsweredNAndCancelNeedsTheKey() throws Exception {
        try (org.walden.protocol.PgStream s = org.walden.protocol.PgStream.connect(
                new java.net.InetSocketAddress("127.0.0.1", port), 5000)) {
            s.sendAndFlush(org.walden.protocol.FrontendMessages.gssEncRequest());
            assertThat(s.readByte()).isEqualTo('N');
            s.sendAndFlush(org.walden.protocol.FrontendMessages.sslRequest());
            assertThat(s.readByte()).isEqualTo('N');
            s.sendAndFlush(org.walden.protocol.FrontendMessages.startupMessage(Map.of("user", "u_trust",
                    "database", "postgres")));
            org.walden.protocol.Message m;
            int pid = 0;
            int key = 0;
            do {
                m = s.readMessage(1 << 20);
                if (m.type() == 'K') {
                    org.walden.protocol.Message.Reader r = m.reader();
                    pid = r.int32();
                    key = r.int32();
                }
            } while (m.type() != 'Z');
            s.sendAndFlush(org.walden.protocol.FrontendMessages.query("sleep"));
            waitFor(() -> engine.sessions.stream().anyMatch(x -> x.sleeping));
            ConnInfo info = ConnInfo.parse("host=127.0.0.1 port=" + port);
            PgClient.cancelRequest(info, pid, key + 1); // wrong key: ignored
            Thread.sleep(200);
            assertThat(engine.sessions.get(0).sleeping).isTrue();
            PgClient.cancelRequest(info, pid, key);
            m = s.readMessage(1 << 20);
            assertThat(org.walden.protocol.BackendMessages.decodeErrorFields(m)).containsEntry('C', "57014");
        }
    }

    @Test
    void protocolViolationIsFatal08P01() throws Exception {
        try (org.walden.protocol.PgStream s = org.walden.protocol.PgStream.connect(
                java.net.UnixDomainSocketAddress.of(socketDir.resolve(".s.PGSQL." + port)), 5000)) {
            s.sendAndFlush(org.walden.protocol.FrontendMessages.startupMessage(Map.of("user", "u_trust",
                    "database", "postgres")));
            org.walden.protocol.Message m;
            do {
                m = s.readMessage(1 << 20);
            } while (m.type() != 'Z');
            s.sendAndFlush(new byte[] {'x', 0, 0, 0, 4});
            m = s.readMessage(1 << 20);
            assertThat(m.type()).isEqualTo('E');
            Map<Character, String> f = org.walden.protocol.BackendMessages.decodeErrorFields(m);
            assertThat(f).containsEntry('S', "FATAL").containsEntry('C', "08P01")
                    .containsEntry('M', "invalid frontend message type 120");
        }
    }

    @Test
    void pidFileAndFastShutdown() throws Exception {
        List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        assertThat(lines).hasSize(8);
        assertThat(lines.get(0)).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(lines.get(1)).isEqualTo(dataDir.toAbsolutePath().toString());
        assertThat(lines.get(3)).isEqualTo(Integer.toString(port));
        assertThat(lines.get(4)).isEqualTo(socketDir.toString());
        assertThat(lines.get(5)).isEqualTo("127.0.0.1");
        assertThat(lines.get(6)).isEqualTo("        0         0");
        assertThat(lines.get(7)).isEqualTo("ready   ");

        Connection c = jdbc("u_trust", null, "postgres");
        assertThat(pm.stop(Postmaster.ShutdownMode.FAST, 10_000)).isTrue();
        assertThatThrownBy(() -> query(c, "select x")).isInstanceOf(SQLException.class);
        c.close();
        assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
        assertThat(socketDir.resolve(".s.PGSQL." + port)).doesNotExist();
        pm = null;
    }

    @Test
    void fastShutdownSendsAdminShutdownToIdleClient() throws Exception {
        PgClient c = PgClient.connect(ConnInfo.parse("host=" + socketDir + " port=" + port + " user=u_trust"
                + " dbname=postgres"));
        assertThat(pm.stop(Postmaster.ShutdownMode.FAST, 10_000)).isTrue();
        assertThatThrownBy(() -> c.simpleQuery("select 1")).satisfiesAnyOf(
                e -> assertThat(e).isInstanceOf(PgServerError.class)
                        .hasMessage("terminating connection due to administrator command"),
                e -> assertThat(e).isInstanceOf(IOException.class));
        c.close();
        pm = null;
    }

    @Test
    void fastShutdownInterruptsARunningStatement() throws Exception {
        PgClient c = PgClient.connect(ConnInfo.parse("host=" + socketDir + " port=" + port + " user=u_trust"
                + " dbname=postgres"));
        CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
            try {
                c.simpleQuery("sleep");
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        waitFor(() -> engine.sessions.stream().anyMatch(x -> x.sleeping));
        assertThat(pm.stop(Postmaster.ShutdownMode.FAST, 10_000)).isTrue();
        Throwable t = running.get(10, TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(PgServerError.class)
                .hasMessage("terminating connection due to administrator command");
        assertThat(((PgServerError) t).code()).isEqualTo("57P01");
        assertThat(((PgServerError) t).severity()).isEqualTo(PgException.Severity.FATAL);
        c.close();
        pm = null;
    }

    @Test
    void reloadReplacesPgHbaConfUnlessBroken() throws Exception {
        assertThatThrownBy(() -> jdbc("stranger", null, "postgres")).hasMessageContaining("no pg_hba.conf entry");
        Files.writeString(dataDir.resolve("pg_hba.conf"), HBA + "host all stranger 127.0.0.1/32 trust\n");
        engine.role("stranger", false, true, false, -1, null);
        pm.reload();
        try (Connection c = jdbc("stranger", null, "postgres")) {
            assertThat(query(c, "select current_user")).isEqualTo("stranger");
        }
        Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 ident\n");
        pm.reload(); // logged and ignored: the previous rules stay
        try (Connection c = jdbc("stranger", null, "postgres")) {
            assertThat(query(c, "select current_user")).isEqualTo("stranger");
        }
    }

    @Test
    void connectionGateRefusesNormalConnectionsOnly() throws Exception {
        pm.setConnectionGate(replication -> replication ? null : new PgException(PgException.Severity.FATAL,
                org.walden.common.SqlState.CANNOT_CONNECT_NOW, "the database system is not yet accepting connections",
                "Consistent recovery state has not been yet reached.", null, null));
        assertThatThrownBy(() -> jdbc("u_trust", null, "postgres"))
                .hasMessageContaining("the database system is not yet accepting connections")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("57P03");
        try (PgClient c = PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=rep replication=true"))) {
            assertThat(c.backendPid()).isPositive();
        }
        pm.setConnectionGate(replication -> null);
        jdbc("u_trust", null, "postgres").close();
    }

    @Test
    void immediateShutdownWarnsAndCloses() throws Exception {
        try (org.walden.protocol.PgStream s = org.walden.protocol.PgStream.connect(
                java.net.UnixDomainSocketAddress.of(socketDir.resolve(".s.PGSQL." + port)), 5000)) {
            s.sendAndFlush(org.walden.protocol.FrontendMessages.startupMessage(Map.of("user", "u_trust",
                    "database", "postgres")));
            while (s.readMessage(1 << 20).type() != 'Z') {
                // session start
            }
            assertThat(pm.stop(Postmaster.ShutdownMode.IMMEDIATE, 10_000)).isTrue();
            org.walden.protocol.Message m = s.readMessage(1 << 20);
            assertThat(m.type()).isEqualTo('N');
            assertThat(org.walden.protocol.BackendMessages.decodeErrorFields(m)).containsEntry('S', "WARNING")
                    .containsEntry('C', "57P01")
                    .containsEntry('M', "terminating connection due to immediate shutdown command");
            assertThatThrownBy(() -> s.readMessage(1 << 20)).isInstanceOf(IOException.class);
        }
        assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
        pm = null;
    }

    @Test
    void smartShutdownWaitsForClientsAndRefusesNewOnes() throws Exception {
        Connection c = jdbc("u_trust", null, "postgres");
        pm.requestShutdown(Postmaster.ShutdownMode.SMART);
        assertThat(pm.awaitTermination(300)).isFalse();
        assertThatThrownBy(() -> jdbc("u_trust", null, "postgres"))
                .hasMessageContaining("the database system is shutting down");
        assertThat(query(c, "select still")).isEqualTo("still");
        c.close();
        assertThat(pm.awaitTermination(10_000)).isTrue();
        pm = null;
    }

    @Test
    void refusesToStartOverALivePostmasterPid() throws Exception {
        pm.stop(Postmaster.ShutdownMode.FAST, 10_000);
        pm = null;
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(dataDir.resolve("postmaster.pid"), sleeper.pid() + "\n" + dataDir + "\n");
            assertThatThrownBy(() -> startPostmaster(4)).isInstanceOf(PgException.class)
                    .hasMessage("lock file \"postmaster.pid\" already exists")
                    .extracting(e -> ((PgException) e).hint())
                    .isEqualTo("Is another postmaster (PID " + sleeper.pid() + ") running in data directory \""
                            + dataDir.toAbsolutePath() + "\"?");
            pm = null;
        } finally {
            sleeper.destroy();
        }
        sleeper.waitFor();
        startPostmaster(4); // a stale pid file is overwritten
        assertThat(pm.state()).isEqualTo(Postmaster.PmState.RUNNING);
    }

    @Test
    void brokenPgHbaConfRefusesTheStart() throws Exception {
        pm.stop(Postmaster.ShutdownMode.FAST, 10_000);
        pm = null;
        Files.writeString(dataDir.resolve("pg_hba.conf"), "local all all trust\nlocal all all ident\n");
        assertThatThrownBy(() -> startPostmaster(4)).isInstanceOf(PgException.class)
                .hasMessage("could not load pg_hba.conf");
        assertThat(pm.state()).isEqualTo(Postmaster.PmState.STOPPED);
        assertThat(pm.awaitTermination(1000)).isTrue();
        assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
        pm = null;
    }

    @Test
    void psqlWhenInstalled() throws Exception {
        Path psql = Path.of("/usr/lib/postgresql/15/bin/psql");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(psql));
        for (String[] args : List.of(
                new String[] {"-h", "127.0.0.1", "-U", "u_scram"},
                new String[] {"-h", "127.0.0.1", "-U", "u_md5"},
                new String[] {"-h", socketDir.toString(), "-U", "u_trust"})) {
            List<String> cmd = new ArrayList<>(List.of(psql.toString(), "-X", "-A", "-t", "-p",
                    Integer.toString(port), "-d", "postgres", "-c", "select current_user"));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", "pw");
            Process p = pb.start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(out).isEqualTo(args[3]);
        }
    }

    @Test
    void pgIsReadyWhenInstalled() throws Exception {
        Path isready = Path.of("/usr/lib/postgresql/15/bin/pg_isready");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(isready));
        List<String> cmd = List.of(isready.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero(); // accepting
        Connection c = jdbc("u_trust", null, "postgres");
        pm.requestShutdown(Postmaster.ShutdownMode.SMART);
        Process p2 = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p2.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p2.exitValue()).isEqualTo(1); // rejecting connections (57P03)
        c.close();
        assertThat(pm.awaitTermination(10_000)).isTrue();
        pm = null;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in time");
            }
            Thread.sleep(20);
        }
    }
}
