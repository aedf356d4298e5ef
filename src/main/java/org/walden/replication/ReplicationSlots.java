package org.walden.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * Physical replication slots (PostgreSQL's slot.c, physical part): a named restart_lsn that
 * holds WAL back until the consumer confirms it flushed. Temporary slots live in memory and
 * die with the session that made them; persistent ones are written to
 * {@code pg_replslot/NAME/state} (write to a temp file, fsync, rename, fsync the directory)
 * when created, released, and at {@link #checkPointReplicationSlots}.
 *
 * <p>The WAL's segment removal asks {@link #minimumLsnToKeep()}: the least restart_lsn of all
 * slots and of running base backups.
 *
 * <p>Concurrency: {@link #lock} guards {@link #slots}, {@link #backupHolds} and every
 * {@link Slot}'s mutable fields; {@link #released} is signalled when a slot is released.
 */
public final class ReplicationSlots {

    private static final int NAMEDATALEN = 64;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReplicationSlots.class);

    /**
     * A slot as pg_replication_slots shows it; {@code invalidatedAt} is the restart_lsn it had
     * when max_slot_wal_keep_size invalidated it ({@link Lsn#INVALID} while it is valid).
     */
    public record SlotInfo(String slotName, boolean temporary, boolean active, int activePid, Lsn restartLsn,
                           Lsn invalidatedAt) {

        /** The slot lost its WAL to max_slot_wal_keep_size (wal_status 'lost'). */
        public boolean invalidated() {
            return !restartLsn.isValid() && invalidatedAt.isValid();
        }
    }

    /** One slot; fields guarded by the owning ReplicationSlots' lock. */
    public static final class Slot {
        private final String name;
        private final boolean temporary;
        private Lsn restartLsn;
        /** The restart_lsn it had when invalidated; INVALID while valid. */
        private Lsn invalidatedAt = Lsn.INVALID;
        /** The walsender pid using it, 0 when none. */
        private int activePid;
        /** The session that created a temporary slot (it dies with it). */
        private final int ownerPid;
        private boolean dirty;

        private Slot(String name, boolean temporary, Lsn restartLsn, int ownerPid) {
            this.name = name;
            this.temporary = temporary;
            this.restartLsn = restartLsn;
            this.ownerPid = ownerPid;
            // a temporary slot stays acquired by the session that made it, as in PostgreSQL
            this.activePid = temporary ? ownerPid : 0;
        }

        public String name() {
            return name;
        }
    }

    private final Path replslotDir;
    private final int maxReplicationSlots;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final Map<String, Slot> slots = new HashMap<>();
    /** Start LSNs of running base backups, by an id the backup holds. */
    private final Map<Long, Lsn> backupHolds = new HashMap<>();
    private long nextBackupHoldId = 1;
    private volatile java.util.function.IntConsumer processTerminator = pid -> { };

    /** {@code replslotDir} null keeps every slot in memory (tests). */
    public ReplicationSlots(Path replslotDir, int maxReplicationSlots) {
        this.replslotDir = replslotDir;
        this.maxReplicationSlots = maxReplicationSlots;
    }

    /** Reads pg_replslot at startup (StartupReplicationSlots). */
    public void startupReplicationSlots() throws IOException {
        if (replslotDir == null || !Files.isDirectory(replslotDir)) {
            return;
        }
        lock.lock();
        try (Stream<Path> dirs = Files.list(replslotDir)) {
            for (Path dir : dirs.toList()) {
                Path state = dir.resolve("state");
                if (!Files.isRegularFile(state)) {
                    continue;
                }
                Properties p = new Properties();
                p.load(new java.io.StringReader(Files.readString(state, StandardCharsets.UTF_8)));
                String name = p.getProperty("name");
                String restart = p.getProperty("restart_lsn", "0/0");
                if (name != null) {
                    Slot slot = new Slot(name, false, Lsn.parse(restart), 0);
                    slot.invalidatedAt = Lsn.parse(p.getProperty("invalidated_at", "0/0"));
                    slots.put(name, slot);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** ReplicationSlotValidateName: lower-case letters, digits and underscore, 1..63 characters. */
    public static void validateName(String name) {
        if (name.isEmpty()) {
            throw new PgException(SqlState.INVALID_NAME, "replication slot name \"" + name + "\" is too short");
        }
        if (name.length() >= NAMEDATALEN) {
            throw new PgException(SqlState.INVALID_NAME, "replication slot name \"" + name + "\" is too long");
        }
        for (char c : name.toCharArray()) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                throw new PgException(SqlState.INVALID_NAME,
                        "replication slot name \"" + name + "\" contains invalid character")
                        .withHint("Replication slot names may only contain lower case letters, numbers, and the "
                                + "underscore character.");
            }
        }
    }

    /** ReplicationSlotCreate for a physical slot; restart_lsn is set when WAL is reserved, else invalid. */
    public void create(String name, boolean temporary, Lsn restartLsn, int ownerPid) throws IOException {
        validateName(name);
        lock.lock();
        try {
            if (slots.containsKey(name)) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "replication slot \"" + name + "\" already exists");
            }
            if (slots.size() >= maxReplicationSlots) {
                throw new PgException(SqlState.PROGRAM_LIMIT_EXCEEDED, "all replication slots are in use")
                        .withHint("Free one or increase max_replication_slots.");
            }
            Slot slot = new Slot(name, temporary, restartLsn, ownerPid);
            if (!temporary) {
                saveSlot(slot);
            }
            slots.put(name, slot);
        } finally {
            lock.unlock();
        }
    }

    /** READ_REPLICATION_SLOT's view: null when there is no such slot. */
    public SlotInfo read(String name) {
        lock.lock();
        try {
            Slot s = slots.get(name);
            return s == null ? null : info(s);
        } finally {
            lock.unlock();
        }
    }

    public List<SlotInfo> list() {
        lock.lock();
        try {
            List<SlotInfo> out = new ArrayList<>();
            for (Slot s : slots.values()) {
                out.add(info(s));
            }
            out.sort(java.util.Comparator.comparing(SlotInfo::slotName));
            return out;
        } finally {
            lock.unlock();
        }
    }

    private static SlotInfo info(Slot s) {
        return new SlotInfo(s.name, s.temporary, s.activePid != 0, s.activePid, s.restartLsn, s.invalidatedAt);
    }

    /** ReplicationSlotAcquire: 42704 when missing, 55000 when another walsender holds it. */
    public Slot acquire(String name, int pid) {
        lock.lock();
        try {
            Slot s = slots.get(name);
            if (s == null) {
                throw new PgException(SqlState.UNDEFINED_OBJECT, "replication slot \"" + name + "\" does not exist");
            }
            if (s.activePid != 0 && s.activePid != pid) {
                throw new PgException(SqlState.OBJECT_IN_USE,
                        "replication slot \"" + name + "\" is active for PID " + s.activePid);
            }
            s.activePid = pid;
            return s;
        } finally {
            lock.unlock();
        }
    }

    /** ReplicationSlotRelease: persists a dirty slot and wakes DROP ... WAIT. */
    public void release(Slot slot) throws IOException {
        lock.lock();
        try {
            slot.activePid = slot.temporary ? slot.ownerPid : 0;
            if (!slot.temporary && slot.dirty && slots.get(slot.name) == slot) {
                saveSlot(slot);
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** PhysicalConfirmReceivedLocation: the consumer flushed up to {@code flushLsn}. */
    public void confirmReceivedLocation(Slot slot, Lsn flushLsn) {
        lock.lock();
        try {
            // an invalidated slot stays lost (PostgreSQL 16's rule; 15 would quietly revive it)
            if (flushLsn.isValid() && !flushLsn.equals(slot.restartLsn) && !slot.invalidatedAt.isValid()) {
                slot.restartLsn = flushLsn;
                slot.dirty = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The slot's restart_lsn now. */
    public Lsn restartLsn(Slot slot) {
        lock.lock();
        try {
            return slot.restartLsn;
        } finally {
            lock.unlock();
        }
    }

    /**
     * ReplicationSlotDrop: 42704 if missing; when another session uses it, 55000 at once, or
     * with {@code waitForRelease} waits (up to {@code waitTimeoutMs}) for it to be released.
     */
    public void drop(String name, int pid, boolean waitForRelease, long waitTimeoutMs)
            throws IOException, InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitTimeoutMs);
            while (true) {
                Slot s = slots.get(name);
                if (s == null) {
                    throw new PgException(SqlState.UNDEFINED_OBJECT,
                            "replication slot \"" + name + "\" does not exist");
                }
                if (s.activePid == 0 || s.activePid == pid) {
                    slots.remove(name);
                    if (!s.temporary) {
                        deleteSlotDir(name);
                    }
                    return;
                }
                long left = deadline - System.nanoTime();
                if (!waitForRelease || left <= 0) {
                    throw new PgException(SqlState.OBJECT_IN_USE,
                            "replication slot \"" + name + "\" is active for PID " + s.activePid);
                }
                released.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** ReplicationSlotCleanup: a session ends; its temporary slots go, any slot it used is released. */
    public void cleanupSession(int pid) throws IOException {
        lock.lock();
        try {
            List<Slot> all = new ArrayList<>(slots.values());
            for (Slot s : all) {
                if (s.temporary && s.ownerPid == pid) {
                    slots.remove(s.name);
                } else if (s.activePid == pid) {
                    release(s);
                }
            }
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Holds WAL from {@code startLsn} on for a running base backup; returns the hold's id. */
    public long holdForBackup(Lsn startLsn) {
        lock.lock();
        try {
            long id = nextBackupHoldId++;
            backupHolds.put(id, startLsn);
            return id;
        } finally {
            lock.unlock();
        }
    }

    public void releaseBackupHold(long id) {
        lock.lock();
        try {
            backupHolds.remove(id);
        } finally {
            lock.unlock();
        }
    }

    /** XLogGetReplicationSlotMinimumLSN: the least valid restart_lsn of the slots alone (not backups). */
    public Lsn replicationSlotMinimumLsn() {
        lock.lock();
        try {
            return slotMinimumLsnLocked();
        } finally {
            lock.unlock();
        }
    }

    private Lsn slotMinimumLsnLocked() {
        Lsn min = Lsn.INVALID;
        for (Slot s : slots.values()) {
            if (s.restartLsn.isValid() && (!min.isValid() || s.restartLsn.isBefore(min))) {
                min = s.restartLsn;
            }
        }
        return min;
    }

    /**
     * The oldest WAL position anyone still needs (ReplicationSlotsComputeRequiredLSN plus
     * running backups), or {@link Lsn#INVALID} when nothing holds WAL back.
     */
    public Lsn minimumLsnToKeep() {
        lock.lock();
        try {
            Lsn min = slotMinimumLsnLocked();
            for (Lsn hold : backupHolds.values()) {
                if (!min.isValid() || hold.isBefore(min)) {
                    min = hold;
                }
            }
            return min;
        } finally {
            lock.unlock();
        }
    }

    /**
     * InvalidateObsoleteReplicationSlots: every slot whose restart_lsn lies before
     * {@code oldestLsnToKeep} (the start of the oldest segment the checkpoint keeps) loses it;
     * its restart_lsn becomes invalid and pg_replication_slots shows wal_status 'lost'. A
     * walsender still using such a slot is asked to stop through the terminator given to
     * {@link #setProcessTerminator}. Returns true when any slot was invalidated.
     */
    public boolean invalidateObsoleteReplicationSlots(Lsn oldestLsnToKeep) throws IOException {
        List<Integer> toTerminate = new ArrayList<>();
        boolean any = false;
        lock.lock();
        try {
            for (Slot s : slots.values()) {
                if (!s.restartLsn.isValid() || !s.restartLsn.isBefore(oldestLsnToKeep)) {
                    continue;
                }
                if (s.activePid != 0) {
                    log.info("terminating process {} to release replication slot \"{}\"", s.activePid, s.name);
                    toTerminate.add(s.activePid);
                }
                log.info("invalidating slot \"{}\" because its restart_lsn {} exceeds max_slot_wal_keep_size",
                        s.name, s.restartLsn);
                s.invalidatedAt = s.restartLsn;
                s.restartLsn = Lsn.INVALID;
                s.dirty = true;
                if (!s.temporary) {
                    saveSlot(s);
                }
                any = true;
            }
        } finally {
            lock.unlock();
        }
        java.util.function.IntConsumer terminator = processTerminator;
        for (int pid : toTerminate) {
            terminator.accept(pid);
        }
        return any;
    }

    /** How invalidation stops a walsender that still uses a lost slot (the server wires pg_terminate_backend). */
    public void setProcessTerminator(java.util.function.IntConsumer terminator) {
        this.processTerminator = terminator;
    }

    /** CheckPointReplicationSlots: writes every dirty persistent slot. */
    public void checkPointReplicationSlots() throws IOException {
        lock.lock();
        try {
            for (Slot s : slots.values()) {
                if (!s.temporary && s.dirty) {
                    saveSlot(s);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void saveSlot(Slot slot) throws IOException {
        slot.dirty = false;
        if (replslotDir == null) {
            return;
        }
        Path dir = replslotDir.resolve(slot.name);
        Files.createDirectories(dir);
        Path tmp = dir.resolve("state.tmp");
        String text = "# walden physical replication slot\nname=" + slot.name + "\nplugin=\ndatabase=0\n"
                + "restart_lsn=" + slot.restartLsn + "\n" + "invalidated_at=" + slot.invalidatedAt + "\n";
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve("state"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    private void deleteSlotDir(String name) throws IOException {
        if (replslotDir == null) {
            return;
        }
        Path dir = replslotDir.resolve(name);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
            fsyncDirectory(replslotDir);
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems refuse to open a directory; the rename is durable enough there
        }
    }
}
