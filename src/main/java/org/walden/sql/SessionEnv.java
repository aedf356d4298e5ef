package org.walden.sql;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.Deparser;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.command.CatalogWriter;
import org.walden.sql.command.CommandContext;
import org.walden.sql.exec.ExecServices;
import org.walden.sql.exec.ExecState;
import org.walden.sql.func.FnContext;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.ValueContext;
import org.walden.txn.Transaction;

/**
 * What a session gives the statements it runs: the functions' view of it ({@link FnContext}:
 * user, database, time, settings, catalog, sequences, deparsing for pg_get_expr and friends),
 * the executor's services ({@link ExecServices}: row ids, activity counters, spill directory,
 * work_mem, lock_timeout) and the utility commands' ({@link CommandContext}: the transaction,
 * the catalog writer, planning). One per session, used by its thread.
 */
final class SessionEnv implements FnContext, ExecServices, CommandContext {

    private final WaldenSession s;
    /** currval's values, by sequence OID, and lastval's sequence. */
    private final Map<Integer, Long> currvals = new HashMap<>();
    private int lastSequence;
    private final SqlFunctionCalls sqlFunctions;

    @Override
    public byte[] currentOfKey(String cursor, int tableOid, String tableName) {
        return s.cursors.currentRowKey(cursor, tableOid, tableName);
    }

    SessionEnv(WaldenSession session) {
        this.s = session;
        this.sqlFunctions = new SqlFunctionCalls(session);
    }

    @Override
    public SqlFunctions sqlFunctions() {
        return sqlFunctions;
    }

    // ---------------------------------------------------------------- FnContext

    @Override
    public ValueContext values() {
        return s.values();
    }

    @Override
    public Instant transactionStart() {
        return s.txnStart != null ? s.txnStart : s.engine.clock().instant();
    }

    @Override
    public Instant statementStart() {
        return s.stmtStart != null ? s.stmtStart : s.engine.clock().instant();
    }

    @Override
    public String currentUser() {
        String role = s.cachedSettings().role;
        return role == null || role.isEmpty() || role.equals("none") ? sessionUser() : role;
    }

    @Override
    public String sessionUser() {
        String user = s.cachedSettings().sessionAuthorization;
        return user == null || user.isEmpty() ? s.sessionUser : user;
    }

    @Override
    public String databaseName() {
        return s.databaseName;
    }

    @Override
    public int backendPid() {
        return s.backendPid;
    }

    @Override
    public ServerStatus serverStatus() {
        return s.engine.serverStatus();
    }

    @Override
    public SessionSettings settings() {
        return s.settings;
    }

    @Override
    public DbCatalog catalog() {
        return s.catalog();
    }

    @Override
    public CatalogLookup lookup() {
        return s.lookup();
    }

    @Override
    public String deparse(String sql, int relationOid, boolean pretty, boolean query) {
        AnalyzerEnv env = s.analyzerEnv(new ParamTypes(new int[0]));
        Deparser d = new Deparser(lookup(), values(), pretty);
        if (query) {
            Query q;
            try {
                q = new Analyzer(env).analyze(SqlParser.parseQuery(sql));
            } catch (org.walden.sql.parse.SyntaxError e) {
                throw e.withoutPosition(); // a place in the view's text, not in the client's statement
            }
            return d.queryText(q) + ";";
        }
        Relation rel = lookup().relation(relationOid);
        Expr e = new Analyzer(env).relationExpression(rel, SqlParser.parseExpression(sql), "OTHER");
        return d.withRelation(rel).expr(e);
    }

    @Override
    public java.util.Set<Integer> relationsReadByView(Relation view) {
        try {
            return org.walden.sql.analyze.PermissionCheck.relationsNamed(new Analyzer(
                    s.analyzerEnv(new ParamTypes(new int[0]))).analyze(SqlParser.parseQuery(view.viewSql())));
        } catch (org.walden.common.PgException e) {
            return java.util.Set.of();
        }
    }

    @Override
    public List<String> searchPath(boolean includeImplicit) {
        return lookup().searchPathNames(includeImplicit);
    }

    @Override
    public void notice(PgException notice) {
        s.notice(notice);
    }

    @Override
    public int assignTransactionXid() {
        s.ensureTransaction();
        return s.txn.assignXid();
    }

    @Override
    public void checkCancel() {
        s.checkCancel();
    }

    @Override
    public long relationSizeBytes(int relfilenode) {
        return s.engine.relationBytes(relfilenode);
    }

    @Override
    public long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        return s.engine.approximateBytes(fromInclusive, toExclusive);
    }

    @Override
    public TableActivity tableActivity(int tableOid) {
        return s.engine.activity().activity(catalog().database().oid(), tableOid);
    }

    @Override
    public void resetTableActivity(Integer tableOid) {
        int db = catalog().database().oid();
        s.engine.activity().reset(db, tableOid);
        if (tableOid == null) {
            s.engine.databaseActivity().reset(db, Instant.now());
        }
    }

    @Override
    public DatabaseActivity databaseActivity(int databaseOid) {
        return s.engine.databaseActivity().activity(databaseOid, s.engine.activity());
    }

    @Override
    public Sequences sequences() {
        return sequences;
    }

    private Relation sequence(int oid) {
        Relation r = lookup().relation(oid);
        if (r == null || r.kind() != Relation.SEQUENCE) {
            throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + (r == null ? oid : r.name())
                    + "\" is not a sequence");
        }
        return r;
    }

    /** nextval needs USAGE or UPDATE, currval and lastval SELECT or USAGE, setval UPDATE. */
    private Relation sequence(int oid, int anyOf) {
        Relation r = sequence(oid);
        RoleDef me = currentRole();
        if (me != null && !me.superuser()
                && org.walden.sql.catalog.Privileges.relation(catalog(), r, me.oid(), anyOf) == 0) {
            throw org.walden.sql.catalog.Privileges.denied("sequence", r.name());
        }
        return r;
    }

    private final Sequences sequences = new Sequences() {
        @Override
        public long nextval(int sequenceOid) {
            Relation seq = sequence(sequenceOid, org.walden.sql.catalog.Acl.USAGE | org.walden.sql.catalog.Acl.UPDATE);
            s.ensureTransaction();
            s.checkWritable("nextval()");
            long v = s.engine.sequences().nextval(seq, s.txn, Math.max(10_000, s.lockTimeoutMs()));
            currvals.put(sequenceOid, v);
            lastSequence = sequenceOid;
            return v;
        }

        @Override
        public long currval(int sequenceOid) {
            Relation seq = sequence(sequenceOid, org.walden.sql.catalog.Acl.USAGE | org.walden.sql.catalog.Acl.SELECT);
            Long v = currvals.get(sequenceOid);
            if (v == null) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "currval of sequence \""
                        + seq.name() + "\" is not yet defined in this session");
            }
            return v;
        }

        @Override
        public long lastval() {
            if (lastSequence == 0 || !currvals.containsKey(lastSequence)) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "lastval is not yet defined in this session");
            }
            sequence(lastSequence, org.walden.sql.catalog.Acl.USAGE | org.walden.sql.catalog.Acl.SELECT);
            return currvals.get(lastSequence);
        }

        @Override
        public long setval(int sequenceOid, long value, boolean isCalled) {
            Relation seq = sequence(sequenceOid, org.walden.sql.catalog.Acl.UPDATE);
            s.ensureTransaction();
            s.checkWritable("setval()");
            s.engine.sequences().setval(seq, value, isCalled, s.txn, Math.max(10_000, s.lockTimeoutMs()));
            if (isCalled) {
                currvals.put(sequenceOid, value);
                lastSequence = sequenceOid;
            }
            return value;
        }

        @Override
        public Long lastValue(int sequenceOid) {
            s.ensureTransaction();
            return s.engine.sequences().lastValue(sequence(sequenceOid), s.txn);
        }

        @Override
        public Object[] row(int sequenceOid) {
            s.ensureTransaction();
            return s.engine.sequences().row(sequence(sequenceOid), s.txn);
        }
    };

    // ---------------------------------------------------------------- ExecServices

    @Override
    public long nextRowId(Relation table, Transaction txn) {
        return s.engine.nextRowId(table, txn);
    }

    @Override
    public void countActivity(int tableOid, TableCounts counts) {
        s.engine.activity().add(catalog().database().oid(), tableOid, counts);
    }

    @Override
    public Path tempDirectory() {
        return s.engine.tempDirectory();
    }

    @Override
    public long workMemBytes() {
        return s.cachedSettings().workMemBytes;
    }

    static long memory(String v) {
        String t = v.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return 4L << 20;
        }
        long n = Long.parseLong(t.substring(0, i));
        return switch (t.substring(i).trim()) {
            case "B" -> n;
            case "MB" -> n << 20;
            case "GB" -> n << 30;
            case "TB" -> n << 40;
            default -> n << 10;
        };
    }

    @Override
    public double hashMemMultiplier() {
        return s.cachedSettings().hashMemMultiplier;
    }

    @Override
    public java.util.List<org.walden.txn.RelationLockRow> relationLocks() {
        return s.engine.transactionManager().relationLockRows();
    }

    @Override
    public java.util.List<Integer> blockingPids(int pid) {
        java.util.List<Integer> out = new java.util.ArrayList<>(s.engine.transactionManager().blockingPids(pid));
        out.addAll(s.engine.advisoryLocks().blockingPids(pid));
        return out;
    }

    @Override
    public org.walden.txn.AdvisoryLockTable advisoryLocks() {
        return s.engine.advisoryLocks();
    }

    @Override
    public java.util.List<Object[]> sqlCursorRows() {
        java.util.List<Object[]> rows = new java.util.ArrayList<>();
        for (SqlCursor c : s.cursors.all()) {
            rows.add(new Object[] {c.name, c.statement, c.holdable, c.binary, c.scrollable, c.creationTime});
        }
        return rows;
    }

    @Override
    public java.net.InetSocketAddress connectionEnd(boolean client) {
        return client ? s.clientEnd : s.serverEnd;
    }

    @Override
    public void notify(String channel, String payload) {
        s.notify(channel, payload);
    }

    @Override
    public java.util.Set<String> listeningChannels() {
        return s.listeningChannels();
    }

    @Override
    public java.util.List<org.walden.txn.TwoPhase.PreparedXact> preparedTransactions() {
        return s.engine.transactionManager().preparedTransactions();
    }

    @Override
    public long lockTimeoutMs() {
        return s.lockTimeoutMs();
    }

    @Override
    public Clock clock() {
        return s.engine.clock();
    }

    // ---------------------------------------------------------------- CommandContext

    @Override
    public Transaction txn() {
        s.ensureTransaction();
        return s.txn;
    }

    ExecState lockState() {
        return new ExecState(this, txn(), this, new Object[0], 0, false);
    }

    @Override
    public FnContext fn() {
        return this;
    }

    @Override
    public CatalogWriter writer() {
        ExecState st = lockState();
        return new CatalogWriter(txn(), catalog().database().oid(), st::lockRow, temporaryObjects);
    }

    /** A temporary object's catalog records stay out of the WAL: those of a temporary schema and what is in it. */
    private final CatalogWriter.Locality temporaryObjects = new CatalogWriter.Locality() {
        @Override
        public boolean namespace(int namespaceOid) {
            org.walden.sql.catalog.Namespace n = catalog().namespace(namespaceOid);
            return n != null && CatalogLookup.isTemporary(n);
        }

        @Override
        public boolean object(int classOid, int objectOid) {
            if (classOid == DbCatalog.PG_NAMESPACE) {
                return namespace(objectOid);
            }
            if (classOid != DbCatalog.PG_CLASS) {
                return false;
            }
            org.walden.sql.catalog.Relation r = catalog().relation(objectOid);
            if (r != null) {
                return namespace(r.namespaceOid());
            }
            org.walden.sql.catalog.IndexInfo i = catalog().index(objectOid);
            return i != null && namespace(i.namespaceOid());
        }
    };

    @Override
    public AnalyzerEnv analyzerEnv() {
        return s.analyzerEnv(new ParamTypes(new int[0]));
    }

    @Override
    public void catalogChanged() {
        s.catalogChanged();
    }

    @Override
    public RoleDef currentRole() {
        return catalog().role(currentUser());
    }

    @Override
    public void lockRelation(int oid, String name, org.walden.txn.RelationLockMode mode) {
        if (lockState().lockRelation(oid, name, mode, false)) {
            s.catalogMovedOn();
        }
    }

    @Override
    public void lockRelation(int oid, String name, boolean exclusive) {
        lockRelation(oid, name, exclusive ? org.walden.txn.RelationLockMode.ACCESS_EXCLUSIVE
                : org.walden.txn.RelationLockMode.ROW_EXCLUSIVE);
    }

    @Override
    public Planner.PlannedStmt plan(Query q) {
        return Planner.plan(q, this, s.cachedSettings().costModel, s.engine::plannerRelationBytes);
    }

    @Override
    public ExecState execState(Planner.PlannedStmt plan, Object[] params) {
        if (plan != null) {
            RoleDef me = currentRole();
            if (me != null && !me.superuser()) {
                org.walden.sql.analyze.PermissionCheck.check(plan.query(), catalog(), me.oid());
            }
        }
        ExecState st = new ExecState(this, txn(), this, params, plan == null ? 0 : plan.execParams(), false);
        if (plan != null && !s.engine.transactionManager().inRecovery()) {
            // a hot standby's reads take no relation locks: redo replays no locks to conflict with
            st.lockRelationsRead(plan.query());
        }
        return st;
    }

    @Override
    public int tempSlot() {
        return s.tempSlot();
    }

    @Override
    public void onCommit(int tableOid, String action) {
        s.onCommitActions.register(tableOid, action);
    }

    @Override
    public boolean tempSlotHeld(int n) {
        return s.engine.tempSlots.held(n);
    }

    @Override
    public boolean claimTempSchema() {
        return s.claimTempSchema();
    }

    @Override
    public List<String> connectedDatabases() {
        List<String> out = new ArrayList<>();
        for (ServerStatus.BackendActivity a : serverStatus().activity()) {
            if (a.databaseName() != null && "client backend".equals(a.backendType())) {
                out.add(a.databaseName());
            }
        }
        return out;
    }
}
