package org.walden.server;

import org.walden.test.TestPorts;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.walden.common.guc.GucServerSettings;
import org.walden.protocol.FrontendMessages;
import org.walden.server.config.RecoveryMode;

/**
 * A protocol fuzzer against a real server (the SQL engine, the walsenders, RocksDB) in this
 * JVM: random and mutated startup packets, simple and extended query messages built from the
 * statements PostgreSQL's clients sent in shared/reference/pg15-captures, and replication
 * commands and CopyData replies, {@value #DEFAULT_MESSAGES} messages by default
 * ({@code -Dwalden.fuzz.messages=1000000} in the {@code fuzz-long} profile). The server must
 * never die, never leak a thread or a connection slot, answer every session that sent a
 * well-formed startup packet, frame every answer correctly (a FATAL ErrorResponse, if any, is
 * the last message), and never report an internal error (XX000).
 */
class ProtocolFuzzTest {

    static final int DEFAULT_MESSAGES = 100_000;
    private static final int CONCURRENCY = 8;

    @TempDir
    Path tmp;

    /** What one session found wrong, if anything. */
    private final ConcurrentLinkedQueue<String> findings = new ConcurrentLinkedQueue<>();
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger errorResponses = new AtomicInteger();
    private final AtomicInteger fatalSessions = new AtomicInteger();

    @Test
    void randomAndMutatedMessagesNeverHurtTheServer() throws Exception {
        int target = Integer.getInteger("walden.fuzz.messages", DEFAULT_MESSAGES);
        long seed = Long.getLong("walden.fuzz.seed", System.nanoTime());
        FuzzCorpus corpus = corpus();
        Path data = tmp.resolve("data");
        int port = TestPorts.free();
        // initdb in a process of its own: the tools' logging set-up would otherwise stay in this JVM's
        org.walden.test.TestCluster.walden("initdb", "-D", data.toString(), "-U", "postgres", "--auth", "trust")
                .check("initdb");
        Files.writeString(data.resolve("postgresql.conf"), "\nport = " + port + "\nlisten_addresses = '127.0.0.1'\n"
                + "unix_socket_directories = '" + tmp + "'\nmax_connections = 40\nwal_sender_timeout = 5s\n"
                + "max_wal_senders = 20\n", StandardOpenOption.APPEND);
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        root.setLevel(Level.OFF); // a hundred thousand refused messages would flood the test's output
        GucServerSettings settings = GucServerSettings.load(data, Map.of());
        org.walden.server.Supervisor server = org.walden.server.Supervisor.start(data, settings,
                RecoveryMode.of(data, settings), Clock.systemUTC());
        try {
            assertThat(query(port, "SELECT 1")).isEqualTo("1");
            Thread.sleep(500);
            int baselineThreads = ManagementFactory.getThreadMXBean().getThreadCount();
            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < CONCURRENCY; w++) {
                Random random = new Random(seed + w);
                workers.add(pool.submit(() -> {
                    while (messagesSent.get() < target) {
                        runSession(port, new SessionGenerator(random, corpus).next());
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(30, TimeUnit.MINUTES);
            }
            pool.shutdown();

            // the server lives, and every slot and thread the fuzz sessions took is back
            assertThat(query(port, "SELECT 1")).isEqualTo("1");
            awaitTrue(() -> query(port, "SELECT count(*) FROM pg_stat_activity WHERE backend_type IN "
                    + "('client backend', 'walsender')").equals("1"), "connection slots released");
            List<Connection> many = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    many.add(connect(port));
                }
            } finally {
                for (Connection c : many) {
                    c.close();
                }
            }
            awaitTrue(() -> ManagementFactory.getThreadMXBean().getThreadCount() <= baselineThreads + 5,
                    "threads back to " + baselineThreads + " (now "
                            + ManagementFactory.getThreadMXBean().getThreadCount() + ")");
        } finally {
            root.setLevel(level);
            server.requestShutdown(Postmaster.ShutdownMode.IMMEDIATE);
            server.awaitTermination();
        }
        System.out.printf("ProtocolFuzzTest: seed %d, %d messages in %d sessions, %d ErrorResponses, %d sessions "
                + "ended by FATAL, %d findings%n", seed, messagesSent.get(), sessions.get(), errorResponses.get(),
                fatalSessions.get(), findings.size());
        assertThat(findings).as("seed %d", seed).isEmpty();
        assertThat(messagesSent.get()).isGreaterThanOrEqualTo(target);
    }

    private static FuzzCorpus corpus() {
        Path captures = Path.of(System.getProperty("user.dir")).toAbsolutePath().resolveSibling("shared")
                .resolve("reference").resolve("pg15-captures");
        FuzzCorpus c = FuzzCorpus.load(captures);
        if (c.statements().isEmpty()) {
            assertThat(System.getenv("CI")).as("shared/reference/pg15-captures is missing beside the repository")
                    .isNotEqualTo("true");
            return new FuzzCorpus(List.of("SELECT 1", "BEGIN", "COMMIT", "CREATE TABLE IF NOT EXISTS f (a int)",
                    "INSERT INTO f VALUES (1)", "SELECT * FROM f", "SET application_name = 'x'"),
                    List.of("IDENTIFY_SYSTEM", "START_REPLICATION 0/1000000 TIMELINE 1", "SHOW wal_segment_size"));
        }
        return c;
    }

    /** One session: its frames (sent in one go, then the write side is closed) and whether its startup is valid. */
    record Session(List<byte[]> frames, boolean validStartup, boolean startsWithEncryptionRequest) {
    }

    private void runSession(int port, Session s) {
        sessions.incrementAndGet();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : s.frames()) {
            all.writeBytes(f);
        }
        messagesSent.addAndGet(s.frames().size());
        byte[] answer;
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            sock.setSoTimeout(20_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    sock.getOutputStream().write(all.toByteArray());
                    sock.shutdownOutput();
                } catch (IOException e) {
                    // the server may close first (a FATAL): fine
                }
            });
            answer = readAll(sock.getInputStream());
            writer.join(20_000);
        } catch (SocketTimeoutException e) {
            findings.add("a session got no end from the server within 20 s: " + describe(s));
            return;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Connection reset")) {
                return; // the server closed while we were still sending: its answer was read up to then
            }
            findings.add("session failed: " + e + " " + describe(s));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        check(s, answer);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long kept = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            if (kept < 8 << 20) { // WAL streamed to a replication session: the first 8 MB are enough
                out.write(buf, 0, n);
                kept += n;
            }
        }
        return out.toByteArray();
    }

    /** The answer must be framed correctly; a FATAL is the last message; no XX000; a valid startup is answered. */
    private void check(Session s, byte[] answer) {
        ByteBuffer b = ByteBuffer.wrap(answer);
        if (s.startsWithEncryptionRequest()) {
            if (!b.hasRemaining()) {
                return;
            }
            byte first = b.get();
            if (first != 'N') {
                findings.add("encryption request answered " + first + ": " + describe(s));
                return;
            }
        }
        int messages = 0;
        boolean fatalSeen = false;
        while (b.remaining() >= 5) {
            char type = (char) b.get();
            int len = b.getInt();
            if (len < 4 || !isBackendType(type)) {
                findings.add("malformed answer frame type " + (int) type + " length " + len + ": " + describe(s));
                return;
            }
            if (len - 4 > b.remaining()) {
                return; // cut off by the 8 MB cap of a replication session's stream
            }
            byte[] body = new byte[len - 4];
            b.get(body);
            messages++;
            if (fatalSeen) {
                findings.add("a message of type " + type + " after a FATAL: " + describe(s));
                return;
            }
            if (type == 'E') {
                errorResponses.incrementAndGet();
                Map<Character, String> fields = errorFields(body);
                String sqlState = fields.getOrDefault('C', "");
                if (!sqlState.matches("[0-9A-Z]{5}") || !fields.containsKey('M') || !fields.containsKey('S')) {
                    findings.add("malformed ErrorResponse " + fields + ": " + describe(s));
                }
                if (sqlState.equals("XX000") && isJavaFailure(fields.getOrDefault('M', ""))) {
                    findings.add("internal error " + fields.get('M') + ": " + describe(s));
                }
                if ("FATAL".equals(fields.get('V')) || "PANIC".equals(fields.get('V'))) {
                    fatalSeen = true;
                    fatalSessions.incrementAndGet();
                }
            }
        }
        if (b.hasRemaining() && answer.length < 8 << 20) {
            findings.add("answer ends inside a message: " + describe(s));
        }
        if (s.validStartup() && messages == 0) {
            findings.add("a well-formed startup packet got no answer at all: " + describe(s));
        }
    }

    /**
     * An XX000 that comes from a Java exception rather than from a message PostgreSQL itself
     * reports without an SQLSTATE (its walsender's "requested starting point ... is ahead of the
     * WAL flush position" is XX000 there too).
     */
    private static boolean isJavaFailure(String message) {
        return message.contains("java.") || message.contains("Exception") || message.contains("Error:")
                || message.contains("null");
    }

    private static boolean isBackendType(char t) {
        return "R K S Z E N T D C I 1 2 3 n t s W H G d c v A".indexOf(t) >= 0 && t != ' ';
    }

    private static Map<Character, String> errorFields(byte[] body) {
        Map<Character, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char code = (char) body[i++];
            int end = i;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            out.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return out;
    }

    private static String describe(Session s) {
        StringBuilder out = new StringBuilder(s.frames().size() + " frames:");
        for (byte[] f : s.frames().subList(0, Math.min(6, s.frames().size()))) {
            out.append(' ').append(java.util.HexFormat.of().formatHex(f, 0, Math.min(f.length, 48)));
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ sessions

    /** Random sessions: a startup phase fuzz, a query fuzz, an extended-protocol fuzz or a replication fuzz. */
    static final class SessionGenerator {
        private static final String SPECIALS = "()'\";,$1\\ \u00e9\u0000";
        private final Random r;
        private final FuzzCorpus corpus;

        SessionGenerator(Random r, FuzzCorpus corpus) {
            this.r = r;
            this.corpus = corpus;
        }

        Session next() {
            int kind = r.nextInt(10);
            if (kind < 2) {
                return startupFuzz();
            }
            boolean replication = kind >= 8;
            List<byte[]> frames = new ArrayList<>();
            boolean ssl = r.nextInt(4) == 0;
            if (ssl) {
                frames.add(FrontendMessages.sslRequest());
            }
            Map<String, String> params = new LinkedHashMap<>();
            params.put("user", "postgres");
            params.put("database", replication ? "replication" : "postgres");
            if (replication) {
                params.put("replication", r.nextBoolean() ? "true" : "database");
            }
            params.put("application_name", "fuzz");
            frames.add(FrontendMessages.startupMessage(params));
            int count = 10 + r.nextInt(50);
            for (int i = 0; i < count; i++) {
                byte[] m = replication ? replicationMessage() : kind < 5 ? simpleMessage() : extendedMessage();
                frames.add(r.nextInt(15) == 0 ? mutate(m) : m);
            }
            if (r.nextBoolean()) {
                frames.add(FrontendMessages.terminate());
            }
            return new Session(frames, true, ssl);
        }

        private Session startupFuzz() {
            List<byte[]> frames = new ArrayList<>();
            boolean valid = false;
            boolean encryption = false;
            switch (r.nextInt(6)) {
                case 0 -> frames.add(randomBytes(1 + r.nextInt(64)));
                case 1 -> {
                    Map<String, String> p = new LinkedHashMap<>();
                    for (int i = r.nextInt(6); i > 0; i--) {
                        p.put(randomWord(), randomWord());
                    }
                    frames.add(FrontendMessages.startupMessage(p));
                    valid = true;
                }
                case 2 -> frames.add(mutateStartup(FrontendMessages.startupMessage(
                        Map.of("user", "postgres", "database", "postgres"))));
                case 3 -> frames.add(FrontendMessages.cancelRequest(r.nextInt(), r.nextInt()));
                case 4 -> {
                    frames.add(r.nextBoolean() ? FrontendMessages.sslRequest() : FrontendMessages.gssEncRequest());
                    frames.add(r.nextBoolean() ? randomBytes(8 + r.nextInt(40))
                            : FrontendMessages.startupMessage(Map.of("user", "postgres", "options", randomWord())));
                    encryption = true;
                }
                default -> {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    b.putInt(8).putInt(r.nextInt());
                    frames.add(b.array());
                }
            }
            return new Session(frames, valid, encryption);
        }

        private byte[] simpleMessage() {
            return switch (r.nextInt(10)) {
                case 0 -> FrontendMessages.sync();
                case 1 -> FrontendMessages.flush();
                case 2 -> FrontendMessages.copyData(randomBytes(r.nextInt(64)));
                default -> FrontendMessages.query(statement());
            };
        }

        private byte[] extendedMessage() {
            String name = r.nextInt(3) == 0 ? "s" + r.nextInt(3) : "";
            return switch (r.nextInt(8)) {
                case 0 -> FrontendMessages.parse(name, statement(), new int[r.nextInt(2)]);
                case 1 -> FrontendMessages.bind(r.nextBoolean() ? "" : "p", name, new short[0],
                        r.nextBoolean() ? new byte[0][] : new byte[][] {randomBytes(r.nextInt(8))}, new short[0]);
                case 2 -> FrontendMessages.describe(r.nextBoolean() ? 'S' : 'P', name);
                case 3 -> FrontendMessages.execute(r.nextBoolean() ? "" : "p", r.nextInt(3));
                case 4 -> FrontendMessages.close(r.nextBoolean() ? 'S' : 'P', name);
                case 5 -> FrontendMessages.flush();
                default -> FrontendMessages.sync();
            };
        }

        private byte[] replicationMessage() {
            return switch (r.nextInt(6)) {
                case 0 -> FrontendMessages.copyData(standbyStatus());
                case 1 -> FrontendMessages.copyData(hotStandbyFeedback());
                case 2 -> FrontendMessages.copyDone();
                default -> FrontendMessages.query(corpus.replicationCommands().isEmpty() ? "IDENTIFY_SYSTEM"
                        : corpus.replicationCommands().get(r.nextInt(corpus.replicationCommands().size())));
            };
        }

        /** 'r' standby status update: write, flush, apply, clock, reply-requested. */
        private byte[] standbyStatus() {
            ByteBuffer b = ByteBuffer.allocate(34);
            b.put((byte) 'r').putLong(r.nextLong() & 0xffffffffL).putLong(r.nextLong() & 0xffffffL)
                    .putLong(r.nextInt(3) == 0 ? r.nextLong() : 0).putLong(r.nextLong()).put((byte) r.nextInt(2));
            return b.array();
        }

        /** 'h' hot standby feedback: clock, xmin, epoch, catalog xmin, epoch. */
        private byte[] hotStandbyFeedback() {
            ByteBuffer b = ByteBuffer.allocate(25);
            b.put((byte) 'h').putLong(r.nextLong()).putInt(r.nextInt()).putInt(r.nextInt()).putInt(r.nextInt())
                    .putInt(r.nextInt());
            return b.array();
        }

        private String statement() {
            List<String> s = corpus.statements();
            String sql = s.get(r.nextInt(s.size()));
            if (r.nextInt(5) == 0 && !sql.isEmpty()) {
                StringBuilder b = new StringBuilder(sql);
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    int at = r.nextInt(b.length() + 1);
                    switch (r.nextInt(3)) {
                        case 0 -> b.insert(at, SPECIALS.charAt(r.nextInt(SPECIALS.length())));
                        case 1 -> {
                            if (at < b.length()) {
                                b.deleteCharAt(at);
                            }
                        }
                        default -> b.insert(at, s.get(r.nextInt(s.size())));
                    }
                }
                sql = b.toString();
            }
            return sql;
        }

        /** A frame with its type, length or body damaged. */
        private byte[] mutate(byte[] frame) {
            byte[] m = frame.clone();
            switch (r.nextInt(6)) {
                case 0 -> m[0] = (byte) r.nextInt(256);
                case 1 -> ByteBuffer.wrap(m).putInt(1, lengthMutation(m.length - 1));
                case 2 -> {
                    for (int i = 1 + r.nextInt(4); i > 0 && m.length > 5; i--) {
                        m[5 + r.nextInt(m.length - 5)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 3 -> m = java.util.Arrays.copyOf(m, Math.max(1, r.nextInt(m.length)));
                case 4 -> {
                    byte[] junk = randomBytes(1 + r.nextInt(16));
                    byte[] longer = java.util.Arrays.copyOf(m, m.length + junk.length);
                    System.arraycopy(junk, 0, longer, m.length, junk.length);
                    ByteBuffer.wrap(longer).putInt(1, longer.length - 1);
                    m = longer;
                }
                default -> m = randomBytes(1 + r.nextInt(32));
            }
            return m;
        }

        private byte[] mutateStartup(byte[] packet) {
            byte[] m = packet.clone();
            switch (r.nextInt(4)) {
                case 0 -> ByteBuffer.wrap(m).putInt(0, lengthMutation(m.length));
                case 1 -> ByteBuffer.wrap(m).putInt(4, r.nextInt());
                case 2 -> m[8 + r.nextInt(m.length - 8)] = (byte) r.nextInt(256);
                default -> m = java.util.Arrays.copyOf(m, 4 + r.nextInt(m.length - 4));
            }
            return m;
        }

        private int lengthMutation(int actual) {
            return switch (r.nextInt(6)) {
                case 0 -> r.nextInt();
                case 1 -> 0x3fffffff;
                case 2 -> -1;
                case 3 -> r.nextInt(4);
                case 4 -> actual + 1 + r.nextInt(100);
                default -> Math.max(0, actual - 1 - r.nextInt(4));
            };
        }

        private byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            return b;
        }

        private String randomWord() {
            String[] words = {"user", "database", "options", "-c work_mem=1", "replication", "true", "client_encoding",
                "LATIN1", "_pq_.x", "", "application_name", "\u00e9t\u00e9", "datestyle", "iso", "bogus"};
            return words[r.nextInt(words.length)];
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Connection connect(int port) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres"
                + "&connectTimeout=10&socketTimeout=60");
    }

    private static String query(int port, String sql) {
        try (Connection c = connect(port); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as(what).isTrue();
            Thread.sleep(100);
        }
    }
}
