package org.walden.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.walden.common.guc.SessionSettings;
import org.walden.replication.WalSenderStat;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.command.SequenceStore;
import org.walden.txn.KvCursor;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;
import org.walden.wal.Lsn;

/**
 * Walden's SQL engine: opens {@link WaldenSession}s over one {@link TransactionManager} and
 * keeps what sessions share — the catalogs (the shared one of roles and databases, and each
 * database's own, reloaded whenever {@link TransactionManager#catalogVersion()} moves), the
 * hidden row-id counters of tables without a primary key, the sequences, the relations'
 * activity counters, and the background ANALYZE pass ({@link AutoAnalyzer}).
 *
 * <p>Concurrency: {@link #catalogLock} serialises catalog reloads; the cached catalogs are
 * immutable and read without the lock. Row-id counters are atomics in a concurrent map, each
 * initialised once from the largest existing key.
 */
public final class WaldenSqlEngine implements SqlEngine {

    private final TransactionManager tm;
    private final ServerStatus status;
    private final Clock clock;
    private final ReentrantLock catalogLock = new ReentrantLock();
    /** The last loaded shared catalog; read by sessions without the lock. */
    private volatile SharedCatalog shared;
    private volatile long sharedVersion = -1;
    private final Map<Integer, DbCatalog> databases = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> rowIdCounters = new ConcurrentHashMap<>();
    private final SequenceStore sequences;
    private final TableActivityStats activity = new TableActivityStats();
    private final DatabaseActivityStats databaseActivity = new DatabaseActivityStats();
    private final org.walden.txn.AdvisoryLockTable advisoryLocks = new org.walden.txn.AdvisoryLockTable();
    /** The numbers of the sessions' temporary schemas. */
    final TempSlots tempSlots = new TempSlots();
    private final Notifications notifications = new Notifications();
    private final Path tempDirectory;
    private AutoAnalyzer autoAnalyzer;

    /** {@code status} may be null (tests, tools): then a stand-alone status answers from {@code tm}. */
    public WaldenSqlEngine(TransactionManager tm, ServerStatus status, Clock clock) {
        this.tm = tm;
        this.clock = clock;
        this.status = status != null ? status : new StandaloneStatus(tm, clock.instant());
        this.sequences = new SequenceStore(tm);
        try {
            this.tempDirectory = Files.createTempDirectory("walden-pgsql_tmp");
            this.tempDirectory.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * initdb's catalog: the bootstrap superuser (OID 10, with {@code passwordVerifierOrNull}
     * stored as given), the databases template1, template0 and postgres, each with its public
     * schema (owned by pg_database_owner) and initdb's comments, and the OID counter at 16384.
     */
    public static void bootstrap(TransactionManager tm, String superuserName, String passwordVerifierOrNull) {
        Transaction txn = tm.begin();
        try {
            txn.newStatementSnapshot();
            RoleDef su = new RoleDef(CatalogStore.BOOTSTRAP_SUPERUSER_OID, superuserName, true, true, true, true, true,
                    true, true, -1, passwordVerifierOrNull, null);
            txn.lockForUpdate(CatalogStore.roleKey(superuserName), 10_000);
            txn.put(CatalogStore.roleKey(superuserName), CatalogStore.encodeRole(su));
            List<DatabaseDef> dbs = List.of(
                    new DatabaseDef(CatalogStore.TEMPLATE1_DATABASE_OID, "template1", su.oid(), true, true, -1),
                    new DatabaseDef(4, "template0", su.oid(), false, true, -1),
                    new DatabaseDef(CatalogStore.POSTGRES_DATABASE_OID, "postgres", su.oid()));
            for (DatabaseDef db : dbs) {
                txn.lockForUpdate(CatalogStore.databaseKey(db.name()), 10_000);
                txn.put(CatalogStore.databaseKey(db.name()), CatalogStore.encodeDatabase(db));
                initialDatabaseCatalog(txn, db.oid());
            }
            txn.lockForUpdate(CatalogStore.nextOidKey(), 10_000);
            txn.put(CatalogStore.nextOidKey(), ByteBuffer.allocate(4).putInt(CatalogStore.FIRST_NORMAL_OID).array());
            txn.commit(SynchronousCommit.LOCAL);
        } catch (RuntimeException e) {
            txn.rollback();
            throw e;
        }
    }

    private static void initialDatabaseCatalog(Transaction txn, int db) {
        Namespace pub = new Namespace(Namespace.PUBLIC, "public", CatalogStore.DATABASE_OWNER_ROLE_OID);
        put(txn, CatalogStorage.objectKey(db, CatalogStorage.NAMESPACE, pub.oid()), CatalogStorage.encodeNamespace(pub));
        put(txn, CatalogStorage.namespaceNameKey(db, pub.name()), CatalogStorage.oidValue(pub.oid()));
        put(txn, CatalogStorage.commentKey(db, 2615, Namespace.PUBLIC, 0),
                CatalogStorage.encodeComment("standard public schema"));
        put(txn, CatalogStorage.commentKey(db, 1262, CatalogStore.TEMPLATE1_DATABASE_OID, 0),
                CatalogStorage.encodeComment("default template for new databases"));
        put(txn, CatalogStorage.commentKey(db, 1262, 4, 0), CatalogStorage.encodeComment("unmodifiable empty database"));
        put(txn, CatalogStorage.commentKey(db, 1262, CatalogStore.POSTGRES_DATABASE_OID, 0),
                CatalogStorage.encodeComment("default administrative connection database"));
    }

    private static void put(Transaction txn, byte[] key, byte[] value) {
        txn.lockForUpdate(key, 10_000);
        txn.put(key, value);
    }

    @Override
    public Session newSession(String userName, String databaseName, int backendPid, SessionSettings settings) {
        checkConnectPrivilege(userName, databaseName);
        return new WaldenSession(this, userName, databaseName, backendPid, settings);
    }

    /** InitPostgres's check: a role that is not a superuser needs CONNECT on the database (FATAL 42501). */
    private void checkConnectPrivilege(String userName, String databaseName) {
        SharedCatalog shared = shared();
        RoleDef role = shared.role(userName);
        org.walden.sql.catalog.DatabaseDef db = shared.database(databaseName);
        if (role == null || db == null || role.superuser()) {
            return;
        }
        if (org.walden.sql.catalog.Privileges.database(shared, db, role.oid(), org.walden.sql.catalog.Acl.CONNECT)
                == 0) {
            throw new org.walden.common.PgException(org.walden.common.PgException.Severity.FATAL,
                    org.walden.common.SqlState.INSUFFICIENT_PRIVILEGE, "permission denied for database \""
                    + databaseName + "\"", "User does not have CONNECT privilege.", null, null);
        }
    }

    @Override
    public Optional<Role> findRole(String name) {
        RoleDef r = shared().role(name);
        if (r == null) {
            return Optional.empty();
        }
        return Optional.of(new Role(r.oid(), r.name(), r.superuser(), r.canLogin(), r.replication(),
                r.connectionLimit(), r.passwordVerifier()));
    }

    @Override
    public boolean databaseExists(String name) {
        return shared().databases().containsKey(name);
    }

    /** The committed roles and databases, reloaded when the catalog version has moved. */
    public SharedCatalog shared() {
        long version = tm.catalogVersion();
        if (shared != null && sharedVersion == version) {
            return shared;
        }
        catalogLock.lock();
        try {
            if (shared == null || sharedVersion != version) {
                Transaction txn = tm.begin();
                try {
                    txn.newStatementSnapshot();
                    shared = CatalogStore.loadShared(txn);
                } finally {
                    txn.rollback();
                }
                sharedVersion = version;
                databases.clear();
            }
            return shared;
        } finally {
            catalogLock.unlock();
        }
    }

    /** The committed catalog of database {@code name}, or null when there is no such database. */
    public DbCatalog catalog(String name) {
        SharedCatalog s = shared();
        DatabaseDef db = s.database(name);
        if (db == null) {
            return null;
        }
        DbCatalog c = databases.get(db.oid());
        if (c != null && c.version() == sharedVersion && c.shared() == s) {
            return c;
        }
        catalogLock.lock();
        try {
            c = databases.get(db.oid());
            if (c != null && c.version() == sharedVersion && c.shared() == s) {
                return c;
            }
            Transaction txn = tm.begin();
            try {
                txn.newStatementSnapshot();
                c = CatalogStorage.load(txn, sharedVersion, db, s);
            } finally {
                txn.rollback();
            }
            databases.put(db.oid(), c);
            return c;
        } finally {
            catalogLock.unlock();
        }
    }

    /** Forgets the cached catalogs (after this engine's own DDL commits). */
    void invalidateCatalog() {
        catalogLock.lock();
        try {
            shared = null;
            sharedVersion = -1;
            databases.clear();
        } finally {
            catalogLock.unlock();
        }
    }

    /** The next hidden row id of a table without a primary key. */
    long nextRowId(Relation table, Transaction txn) {
        AtomicLong counter = rowIdCounters.computeIfAbsent(table.relfilenode(),
                rfn -> new AtomicLong(largestRowId(rfn, txn)));
        return counter.incrementAndGet();
    }

    private static long largestRowId(int relfilenode, Transaction txn) {
        long max = 0;
        try (KvCursor c = txn.scan(Keys.prefix(relfilenode), Keys.end(relfilenode))) {
            while (c.next()) {
                if (c.key().length == 13) {
                    max = Math.max(max, Keys.rowIdOf(c.key()));
                }
            }
        }
        return max;
    }

    /** Storage's approximate bytes under [from, to); -1 when it cannot tell. */
    long approximateBytes(byte[] fromInclusive, byte[] toExclusive) {
        return tm.approximateBytes(fromInclusive, toExclusive);
    }

    long relationBytes(int relfilenode) {
        long b = tm.approximateBytes(Keys.prefix(relfilenode), Keys.end(relfilenode));
        return Math.max(0, b);
    }

    /** A relation's size as the planner last learned it: bytes, storage sequence and time then. */
    private record PlannerSize(long bytes, long sequence, long nanos) {
    }

    private final java.util.concurrent.ConcurrentHashMap<Integer, PlannerSize> plannerSizes =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The bytes one written key is taken to add at most, bounding how far a reused size may lag. */
    private static final long BYTES_PER_WRITE = 256;
    private static final long PLANNER_SIZE_MAX_AGE_NANOS = 1_000_000_000L;
    private static final int PLANNER_SIZES_KEPT = 4096;

    /**
     * {@link #relationBytes} for the planner (estimate_rel_size's current size), reused for up to
     * a second while the writes to storage since it was measured could have changed it by less
     * than a 64th: RocksDB's size approximation walks the memtables and file indexes, and under
     * a write load of short statements planned each time (pgbench -M extended) it cost a tenth of
     * the server's CPU. A small table is measured every time (a few writes could change it by a
     * 64th), so estimates right after a change stay exact where they matter.
     */
    long plannerRelationBytes(int relfilenode) {
        long sequence = tm.storageSequence();
        long now = System.nanoTime();
        PlannerSize known = plannerSizes.get(relfilenode);
        if (known != null && sequence >= known.sequence() && now - known.nanos() < PLANNER_SIZE_MAX_AGE_NANOS
                && (sequence - known.sequence()) * BYTES_PER_WRITE < known.bytes() / 64) {
            return known.bytes();
        }
        long bytes = relationBytes(relfilenode);
        if (sequence >= 0) {
            if (plannerSizes.size() >= PLANNER_SIZES_KEPT) {
                plannerSizes.clear(); // relfilenodes of dropped and truncated tables do not pile up
            }
            plannerSizes.put(relfilenode, new PlannerSize(bytes, sequence, now));
        }
        return bytes;
    }

    TransactionManager transactionManager() {
        return tm;
    }

    ServerStatus serverStatus() {
        return status;
    }

    Clock clock() {
        return clock;
    }

    /** LISTEN / NOTIFY among this server's sessions. */
    Notifications notifications() {
        return notifications;
    }

    /** pg_advisory_lock and friends: the locks of every session of this server. */
    org.walden.txn.AdvisoryLockTable advisoryLocks() {
        return advisoryLocks;
    }

    /**
     * At a clean shutdown of a primary: the sequences' stored rows back to the values last handed
     * out, so that only a crash skips the values logged ahead, as in PostgreSQL.
     */
    public void writeExactSequenceValues() {
        if (!tm.inRecovery()) {
            sequences.writeExactValues();
        }
    }

    SequenceStore sequences() {
        return sequences;
    }

    TableActivityStats activity() {
        return activity;
    }

    DatabaseActivityStats databaseActivity() {
        return databaseActivity;
    }

    Path tempDirectory() {
        return tempDirectory;
    }

    /**
     * Starts the background analyze pass (see {@link AutoAnalyzer}); {@code settings} gives the
     * server's current settings each round. The server calls it once it runs, and
     * {@link #stopAutoAnalyze} when it shuts down.
     */
    public synchronized void startAutoAnalyze(Supplier<SessionSettings> settings) {
        if (autoAnalyzer == null) {
            autoAnalyzer = new AutoAnalyzer(this, settings);
            autoAnalyzer.start();
        }
    }

    /** Runs {@link EngineWarmUp} once in the background; the server calls it when it starts. */
    public void startWarmUp(Supplier<SessionSettings> settings) {
        EngineWarmUp.start(this, settings);
    }

    public synchronized void stopAutoAnalyze() {
        if (autoAnalyzer != null) {
            autoAnalyzer.stop();
            autoAnalyzer = null;
        }
    }

    /** What ANALYZE and VACUUM tell the activity counters of database {@code dbOid}. */
    org.walden.sql.command.Commands.AnalyzeListener analyzeListener(int dbOid) {
        return new org.walden.sql.command.Commands.AnalyzeListener() {
            @Override
            public void analyzed(org.walden.sql.catalog.TableStats stats) {
                activity.analyzed(dbOid, stats.tableOid(), stats.reltuples(), stats.auto(), clock.instant());
            }

            @Override
            public void vacuumed(int tableOid) {
                activity.vacuumed(dbOid, tableOid, clock.instant());
            }
        };
    }

    /** A ServerStatus for an engine run without a server (tests, tools): answers from the transaction manager. */
    private record StandaloneStatus(TransactionManager tm, Instant started) implements ServerStatus {
        @Override
        public boolean inRecovery() {
            return tm.inRecovery();
        }

        @Override
        public Lsn currentWalLsn() {
            return tm.currentWalLsn();
        }

        @Override
        public Lsn lastWalReceiveLsn() {
            return null;
        }

        @Override
        public Lsn lastWalReplayLsn() {
            return null;
        }

        @Override
        public List<WalSenderStat> walSenders() {
            return List.of();
        }

        @Override
        public Instant postmasterStartTime() {
            return started;
        }

        @Override
        public void requestCheckpoint() {
        }

        @Override
        public boolean reloadConfiguration() {
            return false;
        }
    }
}
