package org.walden.sql;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.guc.SessionSettings;
import org.walden.replication.WalSenderStat;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.KeyCodec;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.exec.RowIds;
import org.walden.txn.KvCursor;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;
import org.walden.wal.Lsn;

/**
 * Walden's SQL engine: opens {@link WaldenSession}s over one {@link TransactionManager} and
 * keeps what sessions share — the catalog cache (reloaded whenever
 * {@link TransactionManager#catalogVersion()} moves) and the hidden row-id counters of
 * tables without a primary key.
 *
 * <p>Concurrency: {@link #catalogLock} serialises catalog reloads; {@link #cached} is
 * volatile, read by every session at statement start. Row-id counters are atomics in a
 * concurrent map, each initialised once from the largest existing key.
 */
public final class WaldenSqlEngine implements SqlEngine, RowIds {

    private final TransactionManager tm;
    private final ServerStatus status;
    private final Clock clock;
    private final ReentrantLock catalogLock = new ReentrantLock();
    /** The last loaded catalog; read by sessions without the lock. */
    private volatile Catalog cached;
    private final Map<Integer, AtomicLong> rowIdCounters = new ConcurrentHashMap<>();

    /** {@code status} may be null (tests, tools): then a stand-alone status answers from {@code tm}. */
    public WaldenSqlEngine(TransactionManager tm, ServerStatus status, Clock clock) {
        this.tm = tm;
        this.clock = clock;
        this.status = status != null ? status : new StandaloneStatus(tm, clock.instant());
    }

    /**
     * initdb's catalog: the bootstrap superuser (OID 10, with {@code passwordVerifierOrNull}
     * stored as given), the databases template1 and postgres, and the OID counter at 16384.
     */
    public static void bootstrap(TransactionManager tm, String superuserName, String passwordVerifierOrNull) {
        Transaction txn = tm.begin();
        try {
            txn.newStatementSnapshot();
            RoleDef su = new RoleDef(CatalogStore.BOOTSTRAP_SUPERUSER_OID, superuserName, true, true, true, true, true,
                    true, true, -1, passwordVerifierOrNull, null);
            txn.lockForUpdate(CatalogStore.roleKey(superuserName), 10_000);
            txn.put(CatalogStore.roleKey(superuserName), CatalogStore.encodeRole(su));
            for (DatabaseDef db : List.of(new DatabaseDef(CatalogStore.TEMPLATE1_DATABASE_OID, "template1", su.oid()),
                    new DatabaseDef(CatalogStore.POSTGRES_DATABASE_OID, "postgres", su.oid()))) {
                txn.lockForUpdate(CatalogStore.databaseKey(db.name()), 10_000);
                txn.put(CatalogStore.databaseKey(db.name()), CatalogStore.encodeDatabase(db));
            }
            txn.lockForUpdate(CatalogStore.nextOidKey(), 10_000);
            txn.put(CatalogStore.nextOidKey(), java.nio.ByteBuffer.allocate(4)
                    .putInt(CatalogStore.FIRST_NORMAL_OID).array());
            txn.commit(SynchronousCommit.LOCAL);
        } catch (RuntimeException e) {
            txn.rollback();
            throw e;
        }
    }

    @Override
    public Session newSession(String userName, String databaseName, int backendPid, SessionSettings settings) {
        return new WaldenSession(this, userName, databaseName, backendPid, settings);
    }

    @Override
    public Optional<Role> findRole(String name) {
        RoleDef r = catalog().role(name);
        if (r == null) {
            return Optional.empty();
        }
        return Optional.of(new Role(r.oid(), r.name(), r.superuser(), r.canLogin(), r.replication(),
                r.connectionLimit(), r.passwordVerifier()));
    }

    @Override
    public boolean databaseExists(String name) {
        return catalog().databases().containsKey(name);
    }

    /** The committed catalog, reloaded when the transaction manager's catalog version has moved. */
    public Catalog catalog() {
        long version = tm.catalogVersion();
        Catalog c = cached;
        if (c != null && c.version() == version) {
            return c;
        }
        catalogLock.lock();
        try {
            c = cached;
            if (c != null && c.version() == version) {
                return c;
            }
            Transaction txn = tm.begin();
            try {
                txn.newStatementSnapshot();
                c = CatalogStore.load(txn, version);
            } finally {
                txn.rollback();
            }
            cached = c;
            return c;
        } finally {
            catalogLock.unlock();
        }
    }

    /** Forgets the cached catalog (after this engine's own DDL commits). */
    void invalidateCatalog() {
        cached = null;
    }

    @Override
    public long next(TableDef table, Transaction txn) {
        AtomicLong counter = rowIdCounters.computeIfAbsent(table.relfilenode(), oid -> new AtomicLong(largestRowId(oid, txn)));
        return counter.incrementAndGet();
    }

    private static long largestRowId(int tableOid, Transaction txn) {
        long max = 0;
        try (KvCursor c = txn.scan(KeyCodec.tablePrefix(tableOid), KeyCodec.tableEnd(tableOid))) {
            while (c.next()) {
                if (c.key().length == 13) {
                    max = Math.max(max, KeyCodec.rowIdOf(c.key()));
                }
            }
        }
        return max;
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
