package org.walden.sql.testing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.sql.ColumnDesc;
import org.walden.sql.Portal;
import org.walden.sql.Prepared;
import org.walden.sql.ServerStatus;
import org.walden.sql.Session;
import org.walden.sql.WaldenSqlEngine;

/** Drives a Session the way a backend does, for tests: simple Query and Parse/Bind/Execute/Sync flows. */
public final class Client implements AutoCloseable {

    /** One statement's outcome: its columns, rows (text, or raw bytes when binary), tag. */
    public record Result(List<ColumnDesc> columns, List<byte[][]> raw, String tag) {
        public List<List<String>> rows() {
            List<List<String>> out = new ArrayList<>();
            for (byte[][] r : raw) {
                List<String> row = new ArrayList<>();
                for (byte[] v : r) {
                    row.add(v == null ? null : new String(v, StandardCharsets.UTF_8));
                }
                out.add(row);
            }
            return out;
        }

        public String value() {
            return rows().get(0).get(0);
        }
    }

    public final Session session;
    public final List<PgException> notices = new ArrayList<>();

    public Client(Session session) {
        this.session = session;
        session.setNoticeSink(notices::add);
    }

    /** A fresh engine over a bootstrapped in-memory transaction manager. */
    public static WaldenSqlEngine engine(MemoryTransactionManager tm, ServerStatus status) {
        WaldenSqlEngine.bootstrap(tm, "postgres", null);
        return new WaldenSqlEngine(tm, status, Clock.systemUTC());
    }

    public static Client connect(WaldenSqlEngine engine, String user) {
        return new Client(engine.newSession(user, "postgres", 4242, new MemorySettings()));
    }

    /** A simple Query message: every statement, then the implicit Sync; the first error stops it. */
    public List<Result> query(String sql) {
        List<Result> results = new ArrayList<>();
        try {
            for (Prepared p : session.parseSimple(sql)) {
                Portal portal = session.bind(p, new byte[0][], new short[0], new short[0]);
                List<byte[][]> rows = new ArrayList<>();
                Portal.Completion c = portal.execute(0, rows::add);
                results.add(new Result(portal.columns(), rows, c.commandTag()));
            }
        } finally {
            session.sync();
        }
        return results;
    }

    /** The last statement's result of a simple Query. */
    public Result q(String sql) {
        List<Result> r = query(sql);
        return r.get(r.size() - 1);
    }

    /** Parse (unnamed, given OIDs) + Bind (text params) + Execute + Sync. */
    public Result extended(String sql, int[] paramOids, String[] params, short[] resultFormats) {
        try {
            Prepared p = session.prepareUnnamed(sql, paramOids);
            return execute(p, params, resultFormats);
        } finally {
            session.sync();
        }
    }

    /** Bind + Execute of a prepared statement, no Sync. */
    public Result execute(Prepared p, String[] params, short[] resultFormats) {
        byte[][] values = new byte[params.length][];
        for (int i = 0; i < params.length; i++) {
            values[i] = params[i] == null ? null : params[i].getBytes(StandardCharsets.UTF_8);
        }
        Portal portal = session.bind(p, values, new short[0], resultFormats);
        List<byte[][]> rows = new ArrayList<>();
        Portal.Completion c = portal.execute(0, rows::add);
        return new Result(portal.columns(), rows, c.commandTag());
    }

    /** A simple-Query COPY ... FROM STDIN fed with {@code chunks}, then CopyDone and the implicit Sync. */
    public String copy(String sql, String... chunks) {
        try {
            Prepared p = session.parseSimple(sql).get(0);
            Portal portal = session.bind(p, new byte[0][], new short[0], new short[0]);
            org.walden.sql.CopyIn in = portal.copyIn();
            for (String chunk : chunks) {
                in.data(chunk.getBytes(StandardCharsets.UTF_8));
            }
            return in.done();
        } finally {
            session.sync();
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
