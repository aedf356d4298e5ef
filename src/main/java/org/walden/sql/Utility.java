package org.walden.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.command.Commands;
import org.walden.sql.exec.ExecNode;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.Explain;
import org.walden.sql.exec.ExprCompiler;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.PgType;

/**
 * The statements that are not queries (PostgreSQL's ProcessUtility): SET / RESET / SHOW,
 * EXPLAIN, PREPARE / EXECUTE / DEALLOCATE / DISCARD, CHECKPOINT, ALTER SYSTEM, VACUUM / ANALYZE,
 * COPY, and the DDL and role commands ({@link Commands}), with PostgreSQL's rules on what may
 * not run inside a transaction block and what a standby refuses.
 */
final class Utility {

    private final WaldenSession s;

    Utility(WaldenSession session) {
        this.s = session;
    }

    /** A finished statement's rows and tag. */
    static PortalImpl.Execution rows(List<ColumnDesc> columns, List<Object[]> rows, String tag) {
        return new PortalImpl.Execution() {
            private int next;

            @Override
            public Object[] next() {
                return next < rows.size() ? rows.get(next++) : null;
            }

            @Override
            public String tag(long sent) {
                return tag.startsWith("SELECT ") && columns != null && tag.equals("SELECT " + rows.size())
                        ? "SELECT " + sent : tag;
            }

            @Override
            public List<ColumnDesc> columns() {
                return columns;
            }

            @Override
            public void close() {
            }
        };
    }

    static ColumnDesc textColumn(String name) {
        return new ColumnDesc(name, 0, (short) 0, PgType.TEXT.oid, (short) -1, -1, (short) 0);
    }

    /** The result columns of a utility statement (RowDescription), null when it returns none. */
    List<ColumnDesc> columns(Tree.Stmt stmt) {
        return switch (stmt) {
            case Tree.VariableShowStmt v -> v.name().equalsIgnoreCase("all")
                    ? List.of(textColumn("name"), textColumn("setting"), textColumn("description"))
                    : List.of(textColumn(showHeader(v.name())));
            case Tree.ExplainStmt e -> List.of(textColumn("QUERY PLAN"));
            case Tree.ExecuteStmt e -> {
                PreparedImpl p = s.sqlPrepared.get(e.name());
                yield p == null ? null : p.columns();
            }
            case Tree.FetchStmt f -> {
                SqlCursor c = f.move() ? null : s.cursors.find(f.name());
                yield c == null ? null : c.columns;
            }
            default -> null;
        };
    }

    PortalImpl.Execution run(PreparedImpl p, Object[] params) {
        Tree.Stmt stmt = p.stmt();
        return switch (stmt) {
            case Tree.VariableSetStmt v -> done(set(v));
            case Tree.VariableShowStmt v -> show(v);
            case Tree.ExplainStmt e -> explain(e, params);
            case Tree.CheckpointStmt c -> done(checkpoint());
            case Tree.AlterSystemStmt a -> done(alterSystem(a));
            case Tree.NoOpStmt n -> done(n.tag());
            case Tree.LockStmt l -> done(lockTable(l));
            case Tree.NotifyStmt n -> done(notifyStatement(n));
            case Tree.PrepareStmt ps -> done(prepare(ps));
            case Tree.ExecuteStmt e -> execute(e);
            case Tree.DeallocateStmt d -> done(deallocate(d));
            case Tree.DiscardStmt d -> done(discard(d));
            case Tree.CopyStmt c -> done(new CopyCommand(s).serverSide(c));
            case Tree.DeclareCursorStmt d -> done(declareCursor(p, params));
            case Tree.FetchStmt f -> fetch(f);
            case Tree.ClosePortalStmt c -> done(s.cursors.close(c.name()));
            default -> done(command(stmt));
        };
    }

    private static PortalImpl.Execution done(String tag) {
        return rows(null, List.of(), tag);
    }

    /** PostgreSQL's PreventInTransactionBlock, for statements that cannot be rolled back. */
    private void preventInTransactionBlock(String command) {
        if (s.inTransactionBlock()) {
            throw new PgException(SqlState.ACTIVE_SQL_TRANSACTION, command + " cannot run inside a transaction block");
        }
    }

    // ---------------------------------------------------------------- settings

    private String set(Tree.VariableSetStmt v) {
        if (v.reset() && v.name().equals("all")) {
            for (String[] row : s.settings.showAll()) {
                try {
                    s.settings.reset(row[0]);
                } catch (PgException e) {
                    // settings that cannot be reset in a session keep their value
                }
            }
            s.refreshZone();
            return "RESET";
        }
        if (v.local() && !s.inTransactionBlock()) {
            s.warn(SqlState.NO_ACTIVE_SQL_TRANSACTION, "SET LOCAL can only be used in transaction blocks");
        }
        if (!v.reset() && v.value() != null && setTransactionCharacteristic(v)) {
            return "SET";
        }
        if (v.name().equals("role") && !v.reset() && v.value() != null && !v.value().equals("none")) {
            checkSetRole(v.value());
        }
        if (v.name().equals("default_tablespace") && !v.reset() && v.value() != null && !v.value().isEmpty()
                && s.catalog().shared().tablespace(v.value()) == null) {
            // check_default_tablespace, in a session connected to a database
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid value for parameter "
                    + "\"default_tablespace\": \"" + v.value() + "\"").withDetail("Tablespace \"" + v.value()
                    + "\" does not exist.");
        }
        if (v.name().equals("session_authorization")) {
            if (!v.reset() && v.value() != null) {
                checkSetSessionAuthorization(v.value());
            }
            s.settings.reset("role");
        }
        if (v.reset() || v.value() == null) {
            s.settings.reset(v.name());
        } else {
            s.settings.set(v.name(), v.value(), v.local());
        }
        s.refreshZone();
        return v.reset() ? "RESET" : "SET";
    }

    /** SET SESSION AUTHORIZATION: the role must exist, and the user who logged in be a superuser. */
    private void checkSetSessionAuthorization(String name) {
        var shared = s.catalog().shared();
        if (shared.role(name) == null) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "role \"" + name + "\" does not exist");
        }
        var login = shared.role(s.sessionUser);
        if (!name.equals(s.sessionUser) && (login == null || !login.superuser())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to set session authorization");
        }
    }

    /** SET ROLE: the role must exist and the session user be a member of it (or a superuser). */
    private void checkSetRole(String name) {
        var shared = s.catalog().shared();
        var role = shared.role(name);
        if (role == null) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "role \"" + name + "\" does not exist");
        }
        var session = shared.role(s.env.sessionUser());
        if (session != null && !session.superuser() && !shared.isMemberOf(session.oid(), role.oid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to set role \"" + name + "\"");
        }
    }

    /**
     * SET transaction_isolation / transaction_read_only change the current transaction, checked
     * as SET TRANSACTION is; default_transaction_isolation refuses serializable. The value is
     * validated (and kept for current_setting) as a SET LOCAL of the parameter. False for others.
     */
    private boolean setTransactionCharacteristic(Tree.VariableSetStmt v) {
        String name = v.name().toLowerCase(Locale.ROOT);
        switch (name) {
            case "transaction_isolation", "transaction_read_only" -> {
                s.settings.set(name, v.value(), true);
                String value = s.settings.show(name);
                if (name.equals("transaction_isolation")) {
                    s.setTransactionIsolation(value);
                } else {
                    s.setTransactionReadOnly(value.equals("on"));
                }
                return true;
            }
            case "default_transaction_isolation" -> {
                WaldenSession.refuseSerializable(v.value().replace("\"", "").trim().toLowerCase(Locale.ROOT));
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private PortalImpl.Execution show(Tree.VariableShowStmt v) {
        List<Object[]> rows = new ArrayList<>();
        if (v.name().equalsIgnoreCase("all")) {
            for (String[] x : s.settings.showAll()) {
                rows.add(new Object[] {x[0], x[1], x.length > 2 ? x[2] : null});
            }
        } else {
            rows.add(new Object[] {showSetting(v.name())});
        }
        return rows(columns(v), rows, "SHOW");
    }

    /** SHOW's column: the parameter's own spelling (DateStyle, TimeZone), as PostgreSQL's GetConfigOptionByName. */
    private static String showHeader(String name) {
        org.walden.common.guc.GucDefinition def = org.walden.common.guc.GucCatalog.pg15().find(name);
        return def != null ? def.name() : name.toLowerCase(Locale.ROOT);
    }

    /** SHOW name; the transaction characteristics are the sql layer's own when the settings lack them. */
    private String showSetting(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "transaction_isolation" -> {
                return s.transactionIsolation();
            }
            case "transaction_read_only" -> {
                return s.transactionReadOnly() ? "on" : "off";
            }
            default -> {
            }
        }
        try {
            return s.settings.show(name);
        } catch (PgException e) {
            String fixed = switch (name.toLowerCase(Locale.ROOT)) {
                case "default_transaction_isolation" -> "read committed";
                case "transaction_deferrable", "default_transaction_deferrable" -> "off";
                case "is_superuser" -> {
                    RoleDef me = s.catalog().role(s.sessionUser);
                    yield me != null && me.superuser() ? "on" : "off";
                }
                default -> null;
            };
            if (fixed == null) {
                throw e;
            }
            return fixed;
        }
    }

    private String checkpoint() {
        RoleDef me = s.catalog().role(s.sessionUser);
        if (me == null || !me.superuser()) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be superuser to do CHECKPOINT");
        }
        s.engine.serverStatus().requestCheckpoint();
        return "CHECKPOINT";
    }

    private String alterSystem(Tree.AlterSystemStmt a) {
        preventInTransactionBlock("ALTER SYSTEM");
        try {
            s.settings.alterSystem(a.name(), a.value());
        } catch (UnsupportedOperationException e) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "ALTER SYSTEM is not supported by this server");
        }
        return "ALTER SYSTEM";
    }

    // ---------------------------------------------------------------- EXPLAIN

    private PortalImpl.Execution explain(Tree.ExplainStmt e, Object[] params) {
        boolean analyze = false;
        boolean verbose = false;
        boolean costs = true;
        Boolean timing = null;
        Boolean summary = null;
        boolean json = false;
        for (Map.Entry<String, String> o : e.options().entrySet()) {
            boolean on = !o.getValue().equals("false") && !o.getValue().equals("off") && !o.getValue().equals("0");
            switch (o.getKey()) {
                case "analyze", "analyse" -> analyze = on;
                case "verbose" -> verbose = on;
                case "costs" -> costs = on;
                case "timing" -> timing = on;
                case "summary" -> summary = on;
                case "buffers", "settings", "wal" -> {
                }
                case "format" -> {
                    switch (o.getValue()) {
                        case "text" -> json = false;
                        case "json" -> json = true;
                        case "xml", "yaml" -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED,
                                "EXPLAIN format \"" + o.getValue() + "\" is not supported");
                        default -> throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized value for "
                                + "EXPLAIN option \"format\": \"" + o.getValue() + "\"");
                    }
                }
                default -> throw new PgException(SqlState.SYNTAX_ERROR, "unrecognized EXPLAIN option \"" + o.getKey()
                        + "\"");
            }
        }
        if (timing != null && timing && !analyze) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "EXPLAIN option TIMING requires ANALYZE");
        }
        Tree.Stmt inner = e.statement();
        if (!(inner instanceof Tree.SelectStmt || inner instanceof Tree.InsertStmt || inner instanceof Tree.UpdateStmt
                || inner instanceof Tree.DeleteStmt)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "EXPLAIN of this statement is not supported");
        }
        long t0 = System.nanoTime();
        ParamTypes types = new ParamTypes(new int[params.length]);
        Query q = new Analyzer(s.analyzerEnv(types)).analyze(inner);
        if (q.command != Query.Command.SELECT && analyze) {
            s.checkWritable(q.command.name());
        }
        Planner.PlannedStmt plan = Planner.plan(q, s.env, s.cachedSettings().costModel, s.engine::plannerRelationBytes);
        double planningMs = (System.nanoTime() - t0) / 1e6;
        Explain.Options opts = new Explain.Options(analyze, verbose, costs, timing == null ? analyze : timing,
                summary == null ? analyze : summary, json);
        double execMs = 0;
        ExecState st = null;
        if (analyze) {
            st = new ExecState(s.env, s.txn, s.env, params, plan.execParams(), true);
            long t1 = System.nanoTime();
            try {
                ExecNode node = plan.root().open(st);
                while (node.next() != null) {
                    s.checkCancel();
                }
                node.close();
            } finally {
                st.finish();
            }
            execMs = (System.nanoTime() - t1) / 1e6;
        }
        List<String> lines = new Explain(opts, s.lookup(), s.values(), plan.subplanOf(), st).render(plan.root(),
                plan.query(), planningMs, execMs);
        List<Object[]> rows = new ArrayList<>();
        for (String l : lines) {
            rows.add(new Object[] {l});
        }
        return rows(List.of(textColumn("QUERY PLAN")), rows, "EXPLAIN");
    }

    // ---------------------------------------------------------------- PREPARE / EXECUTE

    private String prepare(Tree.PrepareStmt ps) {
        if (s.sqlPrepared.containsKey(ps.name())) {
            throw new PgException(SqlState.DUPLICATE_PREPARED_STATEMENT, "prepared statement \"" + ps.name()
                    + "\" already exists");
        }
        int[] oids = new int[ps.types() == null ? 0 : ps.types().size()];
        for (int i = 0; i < oids.length; i++) {
            oids[i] = new Analyzer(s.analyzerEnv(new ParamTypes(new int[0]))).typeName(ps.types().get(i)).type().oid;
        }
        PreparedImpl p = new PreparedImpl(ps.sql(), ps.statement(), oids);
        s.describe(p);
        s.sqlPrepared.put(ps.name(), p);
        return "PREPARE";
    }

    private PortalImpl.Execution execute(Tree.ExecuteStmt e) {
        PreparedImpl p = s.sqlPrepared.get(e.name());
        if (p == null) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + e.name()
                    + "\" does not exist");
        }
        int[] types = p.paramTypeOids();
        List<Tree.Expr> args = e.params() == null ? List.of() : e.params();
        if (args.size() != types.length) {
            throw new PgException(SqlState.SYNTAX_ERROR, "wrong number of parameters for prepared statement \""
                    + e.name() + "\"").withDetail("Expected " + types.length + " parameters but got " + args.size()
                    + ".");
        }
        Object[] values = new Object[types.length];
        Analyzer an = new Analyzer(s.analyzerEnv(new ParamTypes(new int[0])));
        for (int i = 0; i < values.length; i++) {
            Expr x = an.castTo(an.expression(args.get(i)), PgType.byOid(types[i]), -1);
            ExecState st = new ExecState(s.env, s.txn, s.env, new Object[0], 0, false);
            values[i] = new ExprCompiler(ex -> -1, null).compile(x).eval(null, st);
        }
        if (p.isQuery()) {
            if (p.analyzedWith != s.analysisKey()) {
                s.analyze(p); // the catalog moved on (a TRUNCATE or REFRESH gave a table new storage)
            }
            return s.runQuery(p, values);
        }
        return run(p, values);
    }

    private String deallocate(Tree.DeallocateStmt d) {
        if (d.name() == null) {
            s.sqlPrepared.clear();
        } else if (s.sqlPrepared.remove(d.name()) == null) {
            throw new PgException(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + d.name()
                    + "\" does not exist");
        }
        return "DEALLOCATE" + (d.name() == null ? " ALL" : "");
    }

    /** LISTEN, UNLISTEN and NOTIFY: queued in the transaction (see {@link Notifications}). */
    private String notifyStatement(Tree.NotifyStmt n) {
        switch (n.kind()) {
            case LISTEN -> s.listen(n.channel());
            case UNLISTEN -> s.unlisten(n.channel());
            default -> s.notify(n.channel(), n.payload());
        }
        return n.kind().name();
    }

    private String discard(Tree.DiscardStmt d) {
        switch (d.what()) {
            case "ALL" -> {
                preventInTransactionBlock("DISCARD ALL");
                s.unlistenAll();
                s.sqlPrepared.clear();
                s.forgetKeptPlans();
                s.cursors.closeAll();
                set(new Tree.VariableSetStmt("all", null, false, true));
                if (s.hasTempSlot()) {
                    commands().discardTemp();
                }
            }
            case "TEMP", "TEMPORARY" -> {
                if (s.hasTempSlot()) {
                    commands().discardTemp();
                }
            }
            case "PLANS" -> s.forgetKeptPlans();
            case "SEQUENCES" -> {
            }
            default -> throw new PgException(SqlState.SYNTAX_ERROR, "syntax error at or near \"" + d.what() + "\"");
        }
        return "DISCARD " + d.what();
    }

    // ---------------------------------------------------------------- cursors

    private String declareCursor(PreparedImpl p, Object[] params) {
        PreparedImpl query = p.cursorQuery();
        if (query.analyzedWith != s.analysisKey()) {
            s.analyze(query);
        }
        Object[] values = params == null ? new Object[0] : params;
        if (query.paramOids.length > values.length) {
            throw new PgException(SqlState.UNDEFINED_PARAMETER, "there is no parameter $" + (values.length + 1));
        }
        return s.cursors.declare((Tree.DeclareCursorStmt) p.stmt(), query, values, p.sourceText());
    }

    /** FETCH sends the rows of its last move as they are read; MOVE only counts them. */
    private PortalImpl.Execution fetch(Tree.FetchStmt f) {
        SqlCursor cursor = s.cursors.get(f.name());
        SqlCursor.Run run = cursor.fetch(f.direction(), f.howMany(), f.move());
        if (f.move()) {
            while (run.next() != null) {
                // moved over
            }
            return done("MOVE " + run.processed());
        }
        return new PortalImpl.Execution() {
            @Override
            public Object[] next() {
                return run.next();
            }

            @Override
            public String tag(long sent) {
                return "FETCH " + run.processed();
            }

            @Override
            public List<ColumnDesc> columns() {
                return cursor.columns;
            }

            @Override
            public void close() {
            }
        };
    }

    // ---------------------------------------------------------------- LOCK TABLE

    /**
     * LOCK TABLE: the relations' locks in the mode asked, until the transaction ends, waiting
     * (lock_timeout, cancel, deadlock detection) unless NOWAIT. As in PostgreSQL, a standby
     * takes only modes up to ROW EXCLUSIVE, and a read-only transaction takes any. Walden's plain
     * SELECT takes no relation lock: ACCESS EXCLUSIVE blocks writers and DDL, not readers.
     */
    private String lockTable(Tree.LockStmt l) {
        org.walden.txn.RelationLockMode mode = org.walden.txn.RelationLockMode.valueOf(l.mode().replace(' ', '_'));
        if (mode.compareTo(org.walden.txn.RelationLockMode.ROW_EXCLUSIVE) > 0
                && s.engine.transactionManager().inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION, "cannot execute LOCK TABLE during recovery");
        }
        if (!s.inTransactionBlock()) {
            throw new PgException(SqlState.NO_ACTIVE_SQL_TRANSACTION, "LOCK TABLE can only be used in transaction blocks");
        }
        for (Tree.RangeVar rv : l.relations()) {
            org.walden.sql.catalog.Relation r = s.lookup().relation(rv.schema(), rv.name());
            String name = rv.schema() == null ? rv.name() : rv.schema() + "." + rv.name();
            if (r == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + name + "\" does not exist");
            }
            if (!r.isTable() && r.kind() != org.walden.sql.catalog.Relation.VIEW) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "cannot lock relation \"" + rv.name() + "\"")
                        .withDetail("This operation is not supported for " + (r.kind() == org.walden.sql.catalog.Relation.SEQUENCE
                                ? "sequences" : r.kind() == org.walden.sql.catalog.Relation.INDEX ? "indexes"
                                : r.isMatview() ? "materialized views" : "this relation")
                                + ".");
            }
            // PostgreSQL 15's LockTableAclCheck: ACCESS SHARE needs SELECT; ROW EXCLUSIVE INSERT, UPDATE,
            // DELETE or TRUNCATE; every other mode UPDATE, DELETE or TRUNCATE
            int wanted;
            switch (mode) {
                case ACCESS_SHARE -> wanted = org.walden.sql.catalog.Acl.SELECT;
                case ROW_EXCLUSIVE -> wanted = org.walden.sql.catalog.Acl.INSERT | org.walden.sql.catalog.Acl.UPDATE
                        | org.walden.sql.catalog.Acl.DELETE | org.walden.sql.catalog.Acl.TRUNCATE;
                default -> wanted = org.walden.sql.catalog.Acl.UPDATE | org.walden.sql.catalog.Acl.DELETE
                        | org.walden.sql.catalog.Acl.TRUNCATE;
            }
            org.walden.sql.catalog.Privileges.requireRelation(s.catalog(), r, s.env.currentRole(), wanted, null);
            s.env.lockState().lockRelation(r.oid(), rv.name(), mode, l.noWait());
        }
        return "LOCK TABLE";
    }

    // ---------------------------------------------------------------- DDL

    private String command(Tree.Stmt stmt) {
        String verb = Commands.verb(stmt);
        if (!(stmt instanceof Tree.VacuumStmt) || s.engine.transactionManager().inRecovery()) {
            s.checkWritable(verb); // VACUUM and ANALYZE may run in a read-only transaction
        }
        switch (stmt) {
            case Tree.CreateDatabaseStmt c -> preventInTransactionBlock("CREATE DATABASE");
            case Tree.DropDatabaseStmt d -> preventInTransactionBlock("DROP DATABASE");
            case Tree.CreateTablespaceStmt c -> preventInTransactionBlock("CREATE TABLESPACE");
            case Tree.DropTablespaceStmt d -> preventInTransactionBlock("DROP TABLESPACE");
            case Tree.VacuumStmt v when v.vacuum() -> preventInTransactionBlock("VACUUM");
            case Tree.IndexStmt i when i.concurrently() -> preventInTransactionBlock("CREATE INDEX CONCURRENTLY");
            case Tree.DropStmt d when d.concurrently() -> preventInTransactionBlock("DROP INDEX CONCURRENTLY");
            case Tree.ReindexStmt r when r.concurrently() -> preventInTransactionBlock("REINDEX CONCURRENTLY");
            case Tree.ReindexStmt r when !r.kind().equals("INDEX") && !r.kind().equals("TABLE") ->
                    preventInTransactionBlock("REINDEX " + r.kind());
            case Tree.ClusterStmt c when c.relation() == null -> preventInTransactionBlock("CLUSTER");
            default -> {
            }
        }
        return commands().run(stmt);
    }

    /** A DDL statement the session runs on its own behalf (ON COMMIT actions). */
    String runCommand(Tree.Stmt stmt) {
        return commands().run(stmt);
    }

    private Commands commands() {
        return new Commands(s.env, s.engine.sequences(), new Commands.Steps() {
            @Override
            public void commitAndBegin() {
                s.commitTransaction();
                s.ensureTransaction();
                s.txn.newStatementSnapshot();
            }
        }, s.engine.analyzeListener(s.catalog().database().oid()));
    }

    /** COPY ... FROM STDIN: each step runs under the session's guard (an error aborts the transaction). */
    CopyIn copyFrom(Tree.CopyStmt c) {
        org.walden.sql.command.CopyFrom from = Commands.copyFrom(s.env, c);
        return new CopyIn() {
            @Override
            public int columnCount() {
                return from.columnCount();
            }

            @Override
            public boolean binary() {
                return from.binary();
            }

            @Override
            public void data(byte[] chunk) {
                s.guard(() -> {
                    from.data(chunk);
                    return null;
                });
            }

            @Override
            public String done() {
                return s.guard(from::done);
            }

            @Override
            public void fail(String message) {
                s.guard(() -> {
                    from.fail(message);
                    return null;
                });
            }
        };
    }
}
