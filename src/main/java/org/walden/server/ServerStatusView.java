package org.walden.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.WaitEvent;
import org.walden.common.guc.GucServerSettings;
import org.walden.recovery.Engine;
import org.walden.replication.ReplicationSlots;
import org.walden.replication.WalReceiver;
import org.walden.replication.WalSenderRegistry;
import org.walden.replication.WalSndState;
import org.walden.replication.WalSenderStat;
import org.walden.sql.ServerStatus;
import org.walden.storage.Checkpointer;
import org.walden.wal.Archiver;
import org.walden.wal.Lsn;

/** What SQL functions and views ask of the server: the engine, the walsenders, the walreceiver, the slots. */
final class ServerStatusView implements ServerStatus {
    /** Auxiliary processes' pids, below the postmaster's backend pids (1000 and up). */
    static final int STARTUP_PID = 101;
    static final int WALRECEIVER_PID = 102;
    static final int CHECKPOINTER_PID = 103;
    /** Who paused writes when the failover agent did (a switchover through the coordinator). */
    static final int HA_AGENT_PID = 110;
    static final int WALWRITER_PID = 104;
    private final Engine engine;
    private final WalSenderRegistry registry;
    /** The replication slots; set once, before the postmaster starts accepting connections. */
    volatile ReplicationSlots slots;
    /** The walreceiver running now, if any (restarted on reload, stopped at promotion). */
    private final java.util.function.Supplier<WalReceiver> receiver;
    /** SIGUSR1's promotion request, for pg_promote(). */
    private final Runnable promoteRequest;
    private final GucServerSettings settings;
    private final Instant startTime;
    /** Set once, before the postmaster starts accepting connections. */
    volatile Postmaster postmaster;
    /** The backend whose walden_pause_writes() keeps writers out, or 0. */
    private int writesPausedBy;
    /** How long the sessions ended after walden_pause_writes' wait get to roll back. */
    private static final long TERMINATED_WRITERS_WAIT_MS = 10_000;
    /** Null when archive_mode is off; set with the postmaster. */
    volatile Archiver archiver;
    /** pg_backup_start's backups, by session. */
    private final LowLevelBackups backups;
    /** pg_stat_wal's counters at its last reset (pg_stat_reset_shared('wal'), else the server's start). */
    private volatile WalStatsRow walStatsReset;
    /** pg_stat_bgwriter's counters at its last reset (pg_stat_reset_shared('bgwriter'), else the server's start). */
    private volatile Checkpointer.Stats bgWriterBaseline = new Checkpointer.Stats(0, 0, 0, 0, 0);
    private volatile Instant bgWriterReset;

    ServerStatusView(Engine engine, WalSenderRegistry registry, java.util.function.Supplier<WalReceiver> receiver,
                     GucServerSettings settings, Instant startTime, Runnable promoteRequest) {
        this.engine = engine;
        this.registry = registry;
        this.receiver = receiver;
        this.promoteRequest = promoteRequest;
        this.settings = settings;
        this.startTime = startTime;
        this.backups = new LowLevelBackups(engine);
        this.walStatsReset = new WalStatsRow(org.walden.wal.WalStats.ZERO, startTime);
        this.bgWriterReset = startTime;
    }

    @Override
    public String backendUser(int pid) {
        Postmaster pm = postmaster;
        return pm == null ? null : pm.backendUser(pid);
    }

    @Override
    public boolean signalBackend(int pid, boolean terminate) {
        Postmaster pm = postmaster;
        return pm != null && pm.signalBackend(pid, terminate);
    }

    @Override
    public boolean awaitBackendExit(int pid, long timeoutMs) {
        try {
            return postmaster.awaitBackendExit(pid, timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
    }

    /** pg_promote(): promote.signal, then the request SIGUSR1 would make. */
    @Override
    public void requestPromote() {
        Path signal = engine.dataDir().resolve(org.walden.recovery.Startup.PROMOTE_SIGNAL);
        try {
            Files.writeString(signal, "");
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not create file \"" + signal + "\": " + e.getMessage());
        }
        promoteRequest.run();
    }

    @Override
    public void createTablespace(int oid, String location) {
        engine.createTablespace(oid, location);
    }

    @Override
    public void placeRelation(int relfilenode, int tablespaceOid) {
        engine.placeRelation(relfilenode, tablespaceOid);
    }

    @Override
    public int relationTablespace(int relfilenode) {
        return engine.relationTablespace(relfilenode);
    }

    @Override
    public boolean dropTablespace(int oid) {
        return engine.dropTablespace(oid);
    }

    @Override
    public String tablespaceLocation(int oid) {
        return org.walden.storage.TablespaceDirectories.location(engine.dataDir(), oid);
    }

    @Override
    public String tablespaceMap() {
        return org.walden.storage.TablespaceDirectories.tablespaceMap(
                org.walden.storage.TablespaceDirectories.list(engine.dataDir()));
    }

    @Override
    public long tablespaceFileBytes(int oid) {
        return org.walden.storage.TablespaceDirectories.sizeBytes(engine.dataDir(), oid);
    }

    @Override
    public Path dataDirectory() {
        return engine.dataDir();
    }

    @Override
    public Path logDirectory() {
        return settings.getBool("logging_collector")
                ? engine.dataDir().resolve(settings.getString("log_directory")).normalize() : null;
    }

    @Override
    public org.walden.wal.ControlFile.Data controlFile() {
        return engine.controlFile();
    }

    @Override
    public String currentLogfile(String format) {
        List<String> formats = format == null ? List.of("stderr", "csvlog", "jsonlog") : List.of(format);
        for (String f : formats) {
            Path file = org.walden.server.logging.PgLogging.currentFile(switch (f) {
                case "csvlog" -> ".csv";
                case "jsonlog" -> ".json";
                default -> ".log";
            });
            if (file != null) {
                return settings.getString("log_directory") + "/" + file.getFileName();
            }
        }
        return null;
    }

    @Override
    public List<HbaRule> hbaFileRules() {
        return HbaFile.fileRules(ServerConfig.hbaFile(settings, engine.dataDir()), settings.getBool("ssl"));
    }

    @Override
    public Lsn backupStart(int backendPid, String label, boolean fast) {
        return backups.start(backendPid, label);
    }

    @Override
    public BackupStopped backupStop(int backendPid, boolean waitForArchive, Runnable checkCancel,
                                    java.util.function.Consumer<String> notice) {
        return backups.stop(backendPid, waitForArchive, archiver, checkCancel, notice);
    }

    @Override
    public Lsn createRestorePoint(String name) {
        return engine.createRestorePoint(name);
    }

    @Override
    public boolean inRecovery() {
        return engine.inRecovery();
    }

    @Override
    public Instant lastXactReplayTimestamp() {
        return engine.inRecovery() ? engine.lastReplayedCommitTime() : null;
    }

    @Override
    public void setWalReplayPaused(boolean paused) {
        if (paused) {
            engine.replayControl().requestPause();
        } else {
            engine.replayControl().resume();
        }
    }

    @Override
    public String walReplayPauseState() {
        return engine.replayControl().pauseState().sqlName();
    }

    @Override
    public boolean awaitWalReplay(Lsn lsn, long timeoutMs) {
        return engine.replayControl().awaitReplayed(lsn, timeoutMs);
    }

    @Override
    public WalReceiverStatus walReceiver() {
        WalReceiver r = receiver.get();
        org.walden.replication.WalReceiverStat w = r == null ? null : r.stat();
        if (w == null) {
            return null;
        }
        return new WalReceiverStatus(w.pid(), w.status(), w.receiveStartLsn(), orZero(w.receiveStartTli()),
                w.writtenLsn(), w.flushedLsn(), orZero(w.receivedTli()), w.lastMsgSendTime(),
                w.lastMsgReceiptTime(), w.latestEndLsn(), w.latestEndTime(), w.slotName(), w.senderHost(),
                orZero(w.senderPort()), w.conninfo());
    }

    /**
     * pg_stat_activity: the auxiliary processes a DBA sees in ps (startup and walreceiver on a
     * standby, walwriter on a primary, the checkpointer on both), then the client backends and
     * walsenders. A client backend shows its state ('active', 'idle', 'idle in transaction',
     * ...), its running or last statement, query_start, xact_start and state_change. A
     * walsender shows its replication command as query, "active" while it runs (a backup,
     * streaming) and "idle" between commands — what PostgreSQL's process title shows in ps.
     * wait_event: a backend's wait in a statement as it reports it, ClientRead while idle; the
     * auxiliary processes' and an idle streaming walsender's main-loop waits as PostgreSQL
     * names them, the startup process's RecoveryWalStream once it has replayed all it received.
     */
    @Override
    public List<BackendActivity> activity() {
        List<BackendActivity> rows = new java.util.ArrayList<>();
        boolean recovery = engine.inRecovery();
        Lsn walEnd = recovery ? lastWalReceiveLsn() : currentWalLsn();
        if (recovery) {
            WalReceiver r = receiver.get();
            boolean replayedAll = walEnd != null && !engine.lastReplayLsn().isBefore(walEnd);
            rows.add(auxiliary(STARTUP_PID, "startup", replayedAll ? WaitEvent.RECOVERY_WAL_STREAM : null));
            if (r != null && r.stat() != null) {
                rows.add(auxiliary(WALRECEIVER_PID, "walreceiver", WaitEvent.WAL_RECEIVER_MAIN));
            }
        }
        rows.add(auxiliary(CHECKPOINTER_PID, "checkpointer", WaitEvent.CHECKPOINTER_MAIN));
        if (!recovery) {
            rows.add(auxiliary(WALWRITER_PID, "walwriter", WaitEvent.WAL_WRITER_MAIN));
        }
        Postmaster pm = postmaster;
        if (pm != null) {
            Map<Integer, WalSenderRegistry.Entry> walsenders = new java.util.HashMap<>();
            for (WalSenderRegistry.Entry e : registry.entries()) {
                walsenders.put(e.pid(), e);
            }
            for (Postmaster.BackendEntry b : pm.backends()) {
                InetSocketAddress client = b.client();
                InetAddress addr = client == null ? null : client.getAddress();
                int port = client == null ? -1 : client.getPort();
                Backend.Activity a = b.activity();
                WalSenderRegistry.Entry w = b.replication() ? walsenders.get(b.pid()) : null;
                if (a != null) {
                    WaitEvent wait = b.waitEvent() != null ? b.waitEvent()
                            : a.state().startsWith("idle") ? WaitEvent.CLIENT_READ : null;
                    rows.add(new BackendActivity(b.pid(), b.databaseName(), b.userName(), b.applicationName(),
                            addr, port, b.backendStart(), a.xactStart(), a.queryStart(), a.stateChange(), wait,
                            a.state(), a.query() == null ? "" : a.query(), "client backend"));
                } else {
                    String state = w == null || w.command() == null ? null
                            : w.state() == WalSndState.STARTUP ? "idle" : "active";
                    rows.add(new BackendActivity(b.pid(), b.databaseName(), b.userName(), b.applicationName(),
                            addr, port, b.backendStart(), null, w == null ? null : w.commandStart(), null,
                            walSenderWait(w, walEnd), state, w == null ? null : w.command(),
                            b.replication() ? "walsender" : "client backend"));
                }
            }
        }
        return rows;
    }

    @Override
    public List<SslConnection> sslConnections() {
        Postmaster pm = postmaster;
        if (pm == null) {
            return List.of();
        }
        List<SslConnection> rows = new java.util.ArrayList<>();
        for (Map.Entry<Integer, SslStatus> e : pm.sslConnections()) {
            SslStatus s = e.getValue();
            rows.add(s == null ? new SslConnection(e.getKey(), false, null, null, null, null, null, null)
                    : new SslConnection(e.getKey(), true, s.version(), s.cipher(), s.bits(), s.clientDn(),
                            s.clientSerial() == null ? null : new java.math.BigDecimal(s.clientSerial()),
                            s.issuerDn()));
        }
        return rows;
    }

    private BackendActivity auxiliary(int pid, String backendType, WaitEvent wait) {
        return new BackendActivity(pid, null, null, "", null, 0, startTime, null, null, null, wait, null, "",
                backendType);
    }

    /**
     * A walsender's wait: ClientRead between replication commands, WalSenderMain while it
     * streams and has sent everything there is ({@code walEnd}), none while it is sending.
     */
    private static WaitEvent walSenderWait(WalSenderRegistry.Entry w, Lsn walEnd) {
        if (w == null || w.state() == WalSndState.STARTUP) {
            return WaitEvent.CLIENT_READ;
        }
        boolean streaming = w.state() == WalSndState.STREAMING || w.state() == WalSndState.CATCHUP;
        return streaming && walEnd != null && !w.sentLsn().isBefore(walEnd) ? WaitEvent.WAL_SENDER_MAIN : null;
    }

    /** pg_stat_replication's rows with each walsender's hot standby feedback xmin as backend_xmin. */
    private static List<WalSenderStat> withBackendXmin(WalSenderRegistry registry) {
        Map<Integer, Long> xmins = new java.util.HashMap<>();
        for (WalSenderRegistry.Entry e : registry.entries()) {
            if (e.backendXmin() != null) {
                xmins.put(e.pid(), e.backendXmin());
            }
        }
        return registry.stats().stream()
                .map(w -> xmins.containsKey(w.pid()) ? w.withBackendXmin(xmins.get(w.pid())) : w).toList();
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    /**
     * RocksDB's block cache (shared_buffers; its use includes the memtables' charge), the
     * memtables (half of it at most), the SST files' index and filter blocks (held beside the
     * cache, unbounded but about 1% of the data), and the Java heap (its -Xmx, 2 x shared_buffers
     * + 2 GB when ctl start or bin/walden started the server, and what it has committed).
     */
    @Override
    public List<MemoryArea> memoryAreas() {
        org.walden.storage.StoreMemory.Usage u = engine.storeMemoryUsage();
        Runtime jvm = Runtime.getRuntime();
        return List.of(new MemoryArea("RocksDB block cache", u.bounds().cacheBytes(), u.cacheUsedBytes()),
                new MemoryArea("RocksDB memtables", u.bounds().memtableBytes(), u.memtableUsedBytes()),
                new MemoryArea("RocksDB index and filter blocks", u.tableReaderBytes(), u.tableReaderBytes()),
                new MemoryArea("Java heap", jvm.maxMemory(), jvm.totalMemory()));
    }

    /** The files under base/ and the tablespaces' storage (every database's, as they share one engine). */
    @Override
    public long databaseSizeBytes() {
        long tablespaces = 0;
        for (var t : org.walden.storage.TablespaceDirectories.list(engine.dataDir())) {
            tablespaces += org.walden.storage.TablespaceDirectories.sizeBytes(engine.dataDir(), t.oid());
        }
        try (java.util.stream.Stream<Path> files = Files.walk(engine.dataDir().resolve(Engine.BASE_DIR))) {
            return tablespaces + files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // removed by a compaction meanwhile
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read directory \""
                    + engine.dataDir().resolve(Engine.BASE_DIR) + "\": " + e.getMessage());
        }
    }

    @Override
    public Lsn currentWalLsn() {
        return engine.wal() != null ? engine.wal().flushedLsn() : Lsn.INVALID;
    }

    @Override
    public Lsn lastWalReceiveLsn() {
        WalReceiver r = receiver.get();
        return r == null ? null : r.lastReceiveLsn();
    }

    @Override
    public Lsn lastWalReplayLsn() {
        return engine.inRecovery() ? engine.lastReplayLsn() : null;
    }

    @Override
    public List<WalSenderStat> walSenders() {
        return withBackendXmin(registry);
    }

    @Override
    public List<ReplicationSlotStatus> replicationSlots() {
        long seg = engine.walSegmentSizeBytes();
        Lsn current = engine.wal() != null ? engine.wal().insertPosition()
                : engine.receiverWriter().writtenLsn();
        long oldestOnDisk = Long.MAX_VALUE;
        for (Path p : org.walden.wal.WalSegments.list(engine.dataDir().resolve(Engine.WAL_DIR))) {
            oldestOnDisk = Math.min(oldestOnDisk,
                    org.walden.wal.WalSegments.segmentNo(p.getFileName().toString(), seg));
        }
        org.walden.replication.WalAvailability.Horizon h = new org.walden.replication.WalAvailability.Horizon(
                current, slots.replicationSlotMinimumLsn(), oldestOnDisk, seg, settings.getBytes("max_wal_size"),
                settings.getBytes("wal_keep_size"), settings.getInt("wal_keep_segments"),
                EngineAdapters.SlotsRetention.maxSlotWalKeepSizeBytes(settings));
        List<ReplicationSlotStatus> out = new java.util.ArrayList<>();
        for (ReplicationSlots.SlotInfo s : slots.list()) {
            org.walden.replication.WalAvailability a = org.walden.replication.WalAvailability.of(s, h);
            out.add(new ReplicationSlotStatus(s.slotName(), "physical", s.temporary(), s.active(),
                    s.active() ? s.activePid() : null, null, s.restartLsn().isValid() ? s.restartLsn() : null,
                    a.walStatus(), a.safeWalSizeBytes()));
        }
        return out;
    }

    @Override
    public Lsn createPhysicalReplicationSlot(String name, boolean immediatelyReserve, boolean temporary,
                                             int backendPid) {
        if (settings.getInt("max_replication_slots") == 0) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "replication slots can only be used if max_replication_slots > 0");
        }
        // ReplicationSlotReserveWal: a physical slot starts at the last redo pointer
        Lsn restart = immediatelyReserve ? engine.controlFile().redo() : Lsn.INVALID;
        try {
            slots.create(name, temporary, restart, backendPid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return immediatelyReserve ? restart : null;
    }

    @Override
    public void dropReplicationSlot(String name, int backendPid) {
        try {
            slots.drop(name, backendPid, false, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        }
    }

    @Override
    public Lsn pauseWrites(int backendPid, long waitMs) {
        if (engine.inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                    .withHint("WAL control functions cannot be executed during recovery.");
        }
        org.walden.txn.WriteGate gate = engine.writeGate();
        synchronized (this) {
            if (!gate.pause()) {
                throw new PgException(SqlState.OBJECT_IN_USE, "writes are already paused by process "
                        + writesPausedBy);
            }
            writesPausedBy = backendPid;
        }
        boolean done = false;
        try {
            if (!gate.awaitNoWriters(waitMs)) {
                for (BackendActivity a : activity()) {
                    if (a.pid() != backendPid && "client backend".equals(a.backendType()) && a.state() != null
                            && !a.state().equals("idle")) {
                        postmaster.signalBackend(a.pid(), true);
                    }
                }
                if (!gate.awaitNoWriters(TERMINATED_WRITERS_WAIT_MS)) {
                    throw new PgException(SqlState.OBJECT_IN_USE, "could not end the running write transactions");
                }
            }
            done = true;
            return engine.wal().insertPosition();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
        } finally {
            if (!done) {
                resumeWrites();
            }
        }
    }

    @Override
    public synchronized boolean resumeWrites() {
        if (writesPausedBy == 0) {
            return false;
        }
        writesPausedBy = 0;
        engine.writeGate().resume();
        return true;
    }

    @Override
    public String standbyAddress(int walSenderPid) {
        for (WalSenderRegistry.Entry e : registry.entries()) {
            if (e.pid() == walSenderPid) {
                return e.standbyAddress();
            }
        }
        return null;
    }

    @Override
    public void sessionEnded(int backendPid) {
        backups.abort(backendPid);
        synchronized (this) {
            if (writesPausedBy == backendPid) {
                resumeWrites();
            }
        }
        try {
            slots.cleanupSession(backendPid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Instant postmasterStartTime() {
        return startTime;
    }

    @Override
    public void requestCheckpoint() {
        engine.requestCheckpoint();
    }

    @Override
    public Lsn switchWal() {
        return engine.wal().switchSegment();
    }

    @Override
    public String walFileName(Lsn lsn) {
        long segNo = lsn.value() == 0 ? 0 : (lsn.value() - 1) / engine.walSegmentSizeBytes(); // XLByteToPrevSeg
        return org.walden.wal.WalSegments.fileName(engine.timeline(), segNo, engine.walSegmentSizeBytes());
    }

    @Override
    public WalStatsRow walStats() {
        WalStatsRow reset = walStatsReset;
        return new WalStatsRow(engine.walStats().minus(reset.stats()), reset.statsReset());
    }

    @Override
    public BgWriterRow bgWriterStats() {
        Checkpointer.Stats c = engine.checkpointStats().minus(bgWriterBaseline);
        return new BgWriterRow(c.timed(), c.requested(), c.writeMs(), c.syncMs(), c.buffers(), bgWriterReset);
    }

    @Override
    public void resetSharedStats(String target) {
        if (target.equals("bgwriter")) {
            bgWriterBaseline = engine.checkpointStats();
            bgWriterReset = Instant.now();
        } else if (target.equals("wal")) {
            walStatsReset = new WalStatsRow(engine.walStats(), Instant.now());
        } else if (target.equals("archiver")) {
            Archiver a = archiver;
            if (a != null) {
                a.resetStats();
            }
        }
    }

    @Override
    public Archiver.Stats archiverStats() {
        Archiver a = archiver;
        return a == null ? ServerStatus.super.archiverStats() : a.stats();
    }

    @Override
    public boolean reloadConfiguration() {
        Postmaster pm = postmaster;
        if (pm != null) {
            pm.reload();
            return true;
        }
        return settings.reload();
    }
}
