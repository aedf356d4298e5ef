package org.walden.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.ColumnDesc;
import org.walden.sql.Portal;
import org.walden.sql.Prepared;
import org.walden.sql.Session;
import org.walden.sql.SqlEngine;

/**
 * A test double for the SQL layer: fixed roles and databases, and sessions that understand a
 * tiny language: {@code select current_user}, {@code select $1}, {@code select <word>},
 * {@code generate N} (N rows), {@code sleep} (blocks until cancelled), {@code fail} (42601 at parse), {@code boom} (22012 when run),
 * {@code set name = value}, {@code begin}/{@code commit}/{@code rollback}, {@code notice}.
 * Statements are split on ';'.
 */
final class FakeSqlEngine implements SqlEngine {

    final Map<String, Role> roles = new ConcurrentHashMap<>();
    final Set<String> databases = ConcurrentHashMap.newKeySet();
    final List<FakeSession> sessions = new CopyOnWriteArrayList<>();

    FakeSqlEngine() {
        databases.add("postgres");
    }

    FakeSqlEngine role(String name, boolean superuser, boolean login, boolean replication, int limit, String verifier) {
        roles.put(name, new Role(roles.size() + 10, name, superuser, login, replication, limit, verifier));
        return this;
    }

    @Override
    public Session newSession(String userName, String databaseName, int backendPid, SessionSettings settings) {
        FakeSession s = new FakeSession(userName, settings);
        sessions.add(s);
        return s;
    }

    @Override
    public Optional<Role> findRole(String name) {
        return Optional.ofNullable(roles.get(name));
    }

    @Override
    public boolean databaseExists(String name) {
        return databases.contains(name);
    }

    static final class FakeSession implements Session {
        final String user;
        final SessionSettings settings;
        final ReentrantLock lock = new ReentrantLock();
        final Condition cancelled = lock.newCondition();
        boolean cancelRequested;
        volatile boolean sleeping;
        volatile boolean closed;
        char status = 'I';
        boolean failedInBlock;
        Consumer<PgException> notices = n -> { };
        final List<String> copied = new CopyOnWriteArrayList<>();

        FakeSession(String user, SessionSettings settings) {
            this.user = user;
            this.settings = settings;
        }

        @Override
        public List<Prepared> parseSimple(String sql) {
            // Blank pieces become empty statements: the backend must drop them as PostgreSQL does.
            List<Prepared> out = new ArrayList<>();
            for (String part : sql.split(";", -1)) {
                out.add(prepare(part, new int[0]));
            }
            return out;
        }

        @Override
        public Prepared prepare(String sql, int[] paramTypeOids) {
            String s = sql.strip().toLowerCase(Locale.ROOT);
            if (s.equals("fail")) {
                throw new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"fail\"");
            }
            int[] types = paramTypeOids;
            if (s.contains("$1") && types.length == 0) {
                types = new int[] {25};
            }
            List<ColumnDesc> cols = null;
            if (s.startsWith("select") || s.startsWith("generate")) {
                String name = s.equals("select current_user") ? "current_user" : s.startsWith("generate") ? "n"
                        : "?column?";
                int oid = name.equals("current_user") ? 19 : 25;
                cols = List.of(new ColumnDesc(name, 0, (short) 0, oid, (short) (oid == 19 ? 64 : -1), -1, (short) 0));
            }
            return new FakePrepared(sql, s, types, cols);
        }

        @Override
        public Portal bind(Prepared statement, byte[][] params, short[] paramFormats, short[] resultFormats) {
            FakePrepared p = (FakePrepared) statement;
            if (status == 'E' && !p.lower.equals("rollback") && !p.lower.equals("commit")) {
                throw new PgException(SqlState.IN_FAILED_SQL_TRANSACTION,
                        "current transaction is aborted, commands ignored until end of transaction block");
            }
            return new FakePortal(this, p, params);
        }

        @Override
        public char transactionStatus() {
            return status;
        }

        @Override
        public void sync() {
        }

        @Override
        public void cancel() {
            lock.lock();
            try {
                cancelRequested = true;
                cancelled.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void sleepUntilCancelled() {
            lock.lock();
            try {
                sleeping = true;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!cancelRequested && System.nanoTime() < deadline) {
                    cancelled.await(100, TimeUnit.MILLISECONDS);
                }
                boolean wasCancelled = cancelRequested;
                cancelRequested = false;
                if (wasCancelled) {
                    throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                sleeping = false;
                lock.unlock();
            }
        }

        @Override
        public SessionSettings settings() {
            return settings;
        }

        @Override
        public void setNoticeSink(Consumer<PgException> sink) {
            this.notices = sink;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    record FakePrepared(String sql, String lower, int[] paramTypeOids, List<ColumnDesc> columns) implements Prepared {
        @Override
        public boolean isEmpty() {
            return lower.isEmpty();
        }
    }

    static final class FakePortal implements Portal {
        private final FakeSession session;
        private final FakePrepared p;
        private final byte[][] params;
        private int produced;

        FakePortal(FakeSession session, FakePrepared p, byte[][] params) {
            this.session = session;
            this.p = p;
            this.params = params;
        }

        @Override
        public List<ColumnDesc> columns() {
            return p.columns();
        }

        /** "copy": COPY FROM STDIN of two-column text rows into {@link FakeSession#copied}; "bad" in the data fails. */
        @Override
        public org.walden.sql.CopyIn copyIn() {
            if (!p.lower().startsWith("copy")) {
                return null;
            }
            StringBuilder text = new StringBuilder();
            return new org.walden.sql.CopyIn() {
                @Override
                public int columnCount() {
                    return 2;
                }

                @Override
                public void data(byte[] chunk) {
                    text.append(new String(chunk, StandardCharsets.UTF_8));
                    if (text.indexOf("bad") >= 0) {
                        throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION,
                                "invalid input syntax for type integer: \"bad\"");
                    }
                }

                @Override
                public String done() {
                    String[] lines = text.toString().split("\n");
                    int n = 0;
                    for (String line : lines) {
                        if (!line.isEmpty() && !line.equals("\\.")) {
                            session.copied.add(line);
                            n++;
                        }
                    }
                    return "COPY " + n;
                }

                @Override
                public void fail(String message) {
                    throw new PgException(SqlState.QUERY_CANCELED, "COPY from stdin failed: " + message);
                }
            };
        }

        @Override
        public Completion execute(int maxRows, RowSink sink) {
            String s = p.lower();
            try {
                return run(s, maxRows, sink);
            } catch (PgException e) {
                if (session.status == 'T') {
                    session.status = 'E';
                }
                throw e;
            }
        }

        private Completion run(String s, int maxRows, RowSink sink) {
            if (s.equals("select current_user")) {
                sink.row(new byte[][] {bytes(session.user)});
                return new Completion("SELECT 1", false);
            }
            if (s.startsWith("select $1")) {
                sink.row(new byte[][] {params[0]});
                return new Completion("SELECT 1", false);
            }
            if (s.startsWith("select ")) {
                sink.row(new byte[][] {bytes(p.sql().strip().substring(7))});
                return new Completion("SELECT 1", false);
            }
            if (s.startsWith("generate ")) {
                int n = Integer.parseInt(s.substring(9).strip());
                int sent = 0;
                while (produced < n && (maxRows == 0 || sent < maxRows)) {
                    sink.row(new byte[][] {bytes(Integer.toString(++produced))});
                    sent++;
                }
                return produced < n ? new Completion(null, true) : new Completion("SELECT " + n, false);
            }
            switch (s) {
                case "boom" -> throw new PgException(SqlState.DIVISION_BY_ZERO, "division by zero");
                case "sleep" -> {
                    session.sleepUntilCancelled();
                    return new Completion("SELECT 0", false);
                }
                case "begin" -> {
                    session.status = 'T';
                    return new Completion("BEGIN", false);
                }
                case "commit", "end" -> {
                    boolean failed = session.status == 'E';
                    session.status = 'I';
                    return new Completion(failed ? "ROLLBACK" : "COMMIT", false);
                }
                case "rollback" -> {
                    session.status = 'I';
                    return new Completion("ROLLBACK", false);
                }
                case "notice" -> {
                    session.notices.accept(new PgException(PgException.Severity.WARNING,
                            SqlState.NO_ACTIVE_SQL_TRANSACTION, "there is no transaction in progress", null, null,
                            null));
                    return new Completion("COMMIT", false);
                }
                default -> { }
            }
            if (s.startsWith("set ")) {
                String[] kv = p.sql().strip().substring(4).split("=|\\s+to\\s+", 2);
                session.settings.set(kv[0].strip(), kv[1].strip().replace("'", ""), false);
                return new Completion("SET", false);
            }
            throw new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + s.split(" ")[0] + "\"");
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}
