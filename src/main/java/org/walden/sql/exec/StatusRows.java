package org.walden.sql.exec;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.walden.common.guc.GucDefinition;
import org.walden.common.guc.GucType;
import org.walden.common.guc.SessionSettings;
import org.walden.replication.WalSenderStat;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.func.FnContext;
import org.walden.sql.types.InetValue;
import org.walden.sql.types.Interval;

/**
 * The rows of the status views that are not catalogs: pg_settings (the session's GUCs),
 * pg_stat_activity, pg_stat_replication, pg_stat_wal_receiver, pg_replication_slots, pg_stat_ssl,
 * pg_stat_archiver, pg_stat_database and pg_shmem_allocations (from the server's
 * {@link ServerStatus}), and the
 * time zones, pg_prepared_xacts (the transaction manager's prepared transactions), and pg_cursors
 * (the session's SQL cursors). Views of features Walden does not have (extensions) have no rows.
 */
final class StatusRows {

    /** The collation and ctype every database reports (Walden compares text by code point, as C.UTF-8 does). */
    static final String LOCALE = "C.UTF-8";

    private StatusRows() {
    }

    static List<Object[]> rows(Relation rel, FnContext fn) {
        ServerStatus status = fn.serverStatus();
        SharedCatalog shared = fn.catalog().shared();
        return switch (rel.name()) {
            case "pg_settings" -> settings(fn.settings());
            case "pg_stat_activity" -> activity(status, shared);
            case "pg_stat_replication" -> replication(status, shared);
            case "pg_stat_wal_receiver" -> walReceiver(status);
            case "pg_replication_slots" -> slots(status);
            case "pg_stat_archiver" -> archiver(status);
            case "pg_stat_wal" -> wal(status);
            case "pg_stat_ssl" -> ssl(status);
            case "pg_hba_file_rules" -> hbaFileRules(fn, status, shared);
            case "pg_stat_database" -> databases(fn, status, shared);
            case "pg_timezone_names" -> timeZones();
            case "pg_locks" -> locks(fn);
            case "pg_prepared_xacts" -> preparedXacts(fn, shared);
            case "pg_cursors" -> fn.sqlCursorRows();
            case "pg_shmem_allocations" -> memoryAreas(fn, status, shared);
            case "pg_stat_bgwriter" -> bgWriter(status);
            default -> List.of();
        };
    }

    /**
     * pg_locks: relation locks (held per mode, and waited for; the virtual transaction is the
     * backend's "pid/1", a prepared transaction's locks show no pid), then advisory locks.
     * Transaction id and virtual transaction id locks are not shown.
     */
    private static List<Object[]> locks(FnContext fn) {
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.txn.RelationLockRow l : fn.relationLocks()) {
            rows.add(CatalogRows.row("relation", Integer.toUnsignedLong(l.databaseOid()),
                    Integer.toUnsignedLong(l.relation()), null, null, null, null, null, null, null,
                    l.pid() == 0 ? null : l.pid() + "/1", l.pid() == 0 ? null : l.pid(), l.mode().pgName, l.granted(),
                    false, null));
        }
        rows.addAll(advisoryLocks(fn));
        return rows;
    }

    /**
     * pg_locks' advisory lock rows, as PostgreSQL shows them: classid and objid the key's two
     * halves (or its two int keys), objsubid 1 for a bigint key and 2 for a pair; the virtual
     * transaction is the backend's ("pid/1", Walden has no other). Other lock types are not shown.
     */
    private static List<Object[]> advisoryLocks(FnContext fn) {
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.txn.AdvisoryLockTable.LockRow l : fn.advisoryLocks().rows()) {
            rows.add(CatalogRows.row("advisory", Integer.toUnsignedLong(l.key().database()), null, null, null, null,
                    null, Integer.toUnsignedLong(l.key().classId()), Integer.toUnsignedLong(l.key().objId()),
                    (short) (l.key().pairForm() ? 2 : 1), l.pid() + "/1", l.pid(),
                    l.exclusive() ? "ExclusiveLock" : "ShareLock", l.granted(), false, null));
        }
        return rows;
    }

    /** pg_prepared_xacts: transaction, gid, prepared, owner, database (names; null for a dropped role). */
    private static List<Object[]> preparedXacts(FnContext fn, SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (org.walden.txn.TwoPhase.PreparedXact p : fn.preparedTransactions()) {
            RoleDef owner = shared.roleByOid(p.ownerOid());
            DatabaseDef db = shared.databaseByOid(p.databaseOid());
            Instant at = Instant.EPOCH.plus(p.preparedAtMicros(), java.time.temporal.ChronoUnit.MICROS);
            rows.add(CatalogRows.row(Integer.toUnsignedLong(p.xid()), p.gid(), at,
                    owner == null ? null : owner.name(), db == null ? null : db.name()));
        }
        return rows;
    }

    private static List<Object[]> settings(SessionSettings settings) {
        List<Object[]> rows = new ArrayList<>();
        for (SessionSettings.SettingRow s : settings.settingRows()) {
            GucDefinition d = s.def();
            boolean numeric = d.type() == GucType.INT || d.type() == GucType.REAL;
            String unit = d.unit().pgName().isEmpty() ? null : d.unit().pgName();
            rows.add(CatalogRows.row(d.name(), s.setting(), unit, d.category(), d.description(), null,
                    d.context().pgName(), d.type().pgName(), s.source(), numeric ? bound(d, d.min()) : null,
                    numeric ? bound(d, d.max()) : null,
                    d.type() == GucType.ENUM ? new ArrayList<Object>(d.enumValues()) : null,
                    d.bootValue(), s.resetValue(), s.sourceFile(), s.sourceLine(), s.pendingRestart()));
        }
        return rows;
    }

    private static String bound(GucDefinition d, double v) {
        if (Double.isNaN(v)) {
            return null;
        }
        return d.type() == GucType.INT ? Long.toString((long) v) : org.walden.common.guc.GucValues.formatReal(v);
    }

    private static Long roleOid(SharedCatalog shared, String name) {
        RoleDef r = name == null ? null : shared.role(name);
        return r == null ? null : (long) r.oid();
    }

    private static List<Object[]> activity(ServerStatus status, SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (ServerStatus.BackendActivity a : status.activity()) {
            DatabaseDef db = a.databaseName() == null ? null : shared.database(a.databaseName());
            rows.add(CatalogRows.row(db == null ? null : (long) db.oid(), a.databaseName(), a.pid(), null,
                    roleOid(shared, a.userName()), a.userName(), a.applicationName(), InetValue.host(a.clientAddr()), null,
                    a.clientAddr() == null ? null : a.clientPort(), a.backendStart(), a.xactStart(), a.queryStart(),
                    a.stateChange(), a.waitEvent() == null ? null : a.waitEvent().type,
                    a.waitEvent() == null ? null : a.waitEvent().event, a.state(), null, null, null, a.query(),
                    a.backendType()));
        }
        return rows;
    }

    private static List<Object[]> replication(ServerStatus status, SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        for (WalSenderStat w : status.walSenders()) {
            rows.add(CatalogRows.row(w.pid(), roleOid(shared, w.userName()), w.userName(), w.applicationName(),
                    InetValue.host(w.clientAddr()), null, w.clientAddr() == null ? null : w.clientPort(), w.backendStart(),
                    w.backendXmin(), w.state(), w.sentLsn(), w.writeLsn(), w.flushLsn(), w.replayLsn(),
                    lag(w.writeLagMicros()), lag(w.flushLagMicros()), lag(w.replayLagMicros()), w.syncPriority(),
                    w.syncState(), w.replyTime()));
        }
        return rows;
    }

    private static Interval lag(Long micros) {
        return micros == null ? null : Interval.ofMicros(micros);
    }

    private static List<Object[]> walReceiver(ServerStatus status) {
        ServerStatus.WalReceiverStatus w = status.walReceiver();
        if (w == null) {
            return List.of();
        }
        return List.<Object[]>of(CatalogRows.row(w.pid(), w.status(), w.receiveStartLsn(), w.receiveStartTli(),
                w.writtenLsn(), w.flushedLsn(), w.receivedTli(), w.lastMsgSendTime(), w.lastMsgReceiptTime(),
                w.latestEndLsn(), w.latestEndTime(), w.slotName(), w.senderHost(), w.senderPort(), w.conninfo()));
    }

    private static List<Object[]> slots(ServerStatus status) {
        List<Object[]> rows = new ArrayList<>();
        for (ServerStatus.ReplicationSlotStatus s : status.replicationSlots()) {
            rows.add(CatalogRows.row(s.slotName(), null, s.slotType(), null, null, s.temporary(), s.active(),
                    s.activePid(), s.xmin(), null, s.restartLsn(), null, s.walStatus(), s.safeWalSizeBytes(), false));
        }
        return rows;
    }

    /** pg_hba_file_rules: pg_hba.conf as it reads now; superusers only, as PostgreSQL 15 grants it. */
    private static List<Object[]> hbaFileRules(FnContext fn, ServerStatus status, SharedCatalog shared) {
        org.walden.sql.catalog.RoleDef me = shared.role(fn.currentUser());
        if (me == null || !me.superuser()) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.INSUFFICIENT_PRIVILEGE,
                    "permission denied for view pg_hba_file_rules");
        }
        List<Object[]> rows = new ArrayList<>();
        for (ServerStatus.HbaRule r : status.hbaFileRules()) {
            rows.add(CatalogRows.row(r.lineNumber(), r.type(), r.database(), r.userName(), r.address(), r.netmask(),
                    r.authMethod(), r.options(), r.error()));
        }
        return rows;
    }

    /**
     * pg_shmem_allocations (name, off, size, allocated_size): Walden's memory areas sized from
     * shared_buffers, each with its bound and its use; no offsets, as they are not one segment.
     * Superusers only (PostgreSQL 15 grants it to pg_read_all_stats).
     */
    private static List<Object[]> memoryAreas(FnContext fn, ServerStatus status, SharedCatalog shared) {
        RoleDef me = shared.role(fn.currentUser());
        if (me == null || !me.superuser()) {
            throw new org.walden.common.PgException(org.walden.common.SqlState.INSUFFICIENT_PRIVILEGE,
                    "permission denied for view pg_shmem_allocations");
        }
        List<Object[]> rows = new ArrayList<>();
        for (ServerStatus.MemoryArea a : status.memoryAreas()) {
            rows.add(CatalogRows.row(a.name(), null, a.size(), a.allocatedSize()));
        }
        return rows;
    }

    /** pg_stat_ssl: one row per client connection, from the postmaster. */
    private static List<Object[]> ssl(ServerStatus status) {
        List<Object[]> rows = new ArrayList<>();
        for (ServerStatus.SslConnection c : status.sslConnections()) {
            rows.add(CatalogRows.row(c.pid(), c.ssl(), c.version(), c.cipher(), c.bits(), c.clientDn(),
                    c.clientSerial(), c.issuerDn()));
        }
        return rows;
    }

    /**
     * pg_stat_bgwriter: the checkpointer's columns; Walden has no background writer and no
     * shared buffers of its own, so buffers_clean, maxwritten_clean, buffers_backend,
     * buffers_backend_fsync and buffers_alloc stay 0.
     */
    private static List<Object[]> bgWriter(ServerStatus status) {
        ServerStatus.BgWriterRow c = status.bgWriterStats();
        return List.<Object[]>of(CatalogRows.row(c.timed(), c.requested(), c.writeMs(), c.syncMs(), c.buffers(), 0L,
                0L, 0L, 0L, 0L, c.statsReset()));
    }

    /** pg_stat_wal: times in milliseconds (0 unless track_wal_io_timing is on); wal_fpi 0, Walden logs no page images. */
    private static List<Object[]> wal(ServerStatus status) {
        ServerStatus.WalStatsRow row = status.walStats();
        org.walden.wal.WalStats w = row.stats();
        return List.<Object[]>of(CatalogRows.row(w.records(), 0L, java.math.BigDecimal.valueOf(w.bytes()),
                w.buffersFull(), w.writes(), w.syncs(), w.writeTimeMs(), w.syncTimeMs(), row.statsReset()));
    }

    private static List<Object[]> archiver(ServerStatus status) {
        org.walden.wal.Archiver.Stats a = status.archiverStats();
        return List.<Object[]>of(CatalogRows.row(a.archivedCount(), a.lastArchivedWal(), a.lastArchivedTime(),
                a.failedCount(), a.lastFailedWal(), a.lastFailedTime(), a.statsReset()));
    }

    /**
     * pg_stat_database: one row per database (and the shared objects' row) with its connected
     * backends, transactions, row counts, deadlocks, sessions and how they ended. Walden keeps no block I/O
     * counters (blks_*, blk_*_time stay 0), no temporary files, and no recovery conflicts.
     */
    private static List<Object[]> databases(FnContext fn, ServerStatus status, SharedCatalog shared) {
        List<Object[]> rows = new ArrayList<>();
        rows.add(databaseRow(0L, null, 0, null));
        for (DatabaseDef d : shared.databasesInOrder()) {
            int backends = 0;
            for (ServerStatus.BackendActivity a : status.activity()) {
                backends += d.name().equals(a.databaseName()) ? 1 : 0;
            }
            rows.add(databaseRow((long) d.oid(), d.name(), backends, fn.databaseActivity(d.oid())));
        }
        return rows;
    }

    private static Object[] databaseRow(long oid, String name, int backends, FnContext.DatabaseActivity a) {
        if (a == null) {
            return CatalogRows.row(oid, name, backends, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L,
                    name == null ? null : 0L, null, 0.0, 0.0, 0.0, 0.0, 0.0, 0L, 0L, 0L, 0L, null);
        }
        return CatalogRows.row(oid, name, backends, a.commits(), a.rollbacks(), 0L, 0L, a.tupReturned(),
                a.tupFetched(), a.tupInserted(), a.tupUpdated(), a.tupDeleted(), 0L, 0L, 0L, a.deadlocks(), 0L, null,
                0.0, 0.0, a.sessionTime(), a.activeTime(), a.idleInTransactionTime(), a.sessions(),
                a.sessionsAbandoned(), a.sessionsFatal(), a.sessionsKilled(), a.statsReset());
    }

    private static List<Object[]> timeZones() {
        List<Object[]> rows = new ArrayList<>();
        Instant now = Instant.now();
        for (String id : new TreeSet<>(ZoneId.getAvailableZoneIds())) {
            ZoneId zone = ZoneId.of(id);
            ZoneOffset offset = zone.getRules().getOffset(now);
            boolean dst = zone.getRules().isDaylightSavings(now);
            String abbrev = zone.getDisplayName(TextStyle.SHORT, Locale.ROOT);
            rows.add(CatalogRows.row(id, abbrev, Interval.ofMicros(offset.getTotalSeconds() * 1_000_000L), dst));
        }
        return rows;
    }
}
