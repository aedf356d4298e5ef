package org.walden.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;
import org.walden.common.Invariants;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * {@code global/pg_control}: the few facts that must survive anything (PostgreSQL's
 * ControlFileData). Created durably (a temp file written and fsynced, renamed, the directory
 * fsynced), then updated in place with one write and one fsync as PostgreSQL's
 * UpdateControlFile: the contents and their CRC fit the first 512-byte sector. CRC-32C
 * protected; a corrupt file is refused.
 *
 * <p>Layout (little-endian, padded with zeros to {@link #FILE_SIZE} bytes as PostgreSQL pads
 * to PG_CONTROL_FILE_SIZE): magic, version, then {@link Data}'s fields in declaration order,
 * then the CRC-32C of everything before it.
 *
 * <p>Thread-safe: {@link #update} runs under one lock, so concurrent updaters (checkpointer,
 * startup) never lose each other's fields.
 */
public final class ControlFile {

    public static final int FILE_SIZE = 8192;
    public static final String RELATIVE_PATH = "global/pg_control";
    private static final int MAGIC = 0x57414C44; // "WALD"
    /** Version 2 added {@link Counters}; version 1 files still read. */
    private static final int VERSION = 2;
    private static final int VERSION_WITHOUT_COUNTERS = 1;

    /**
     * The counters of PostgreSQL's CheckPoint that Walden has no use for, kept so that
     * {@code walden resetwal} can set them and {@code walden controldata} shows them: the next
     * xid's epoch (Walden's 32-bit xids carry none: nothing tracks wraparound), multixact ids and
     * offsets (Walden locks rows in memory and has no multixacts), the oldest xid and its database
     * (Walden does not freeze), and the commit timestamp range (no track_commit_timestamp).
     * Checkpoints carry them forward unchanged.
     */
    public record Counters(int nextXidEpoch, int nextMulti, int nextMultiOffset, int oldestXid, int oldestXidDb,
                           int oldestMulti, int oldestMultiDb, int oldestCommitTsXid, int newestCommitTsXid) {

        /** What initdb records (PostgreSQL's BootStrapXLOG, template1 being database 1). */
        public static final Counters INITIAL = new Counters(0, 1, 0, 3, 1, 1, 1, 0, 0);

        public Counters withNextXidEpoch(int epoch) {
            return new Counters(epoch, nextMulti, nextMultiOffset, oldestXid, oldestXidDb, oldestMulti,
                    oldestMultiDb, oldestCommitTsXid, newestCommitTsXid);
        }

        public Counters withMultis(int next, int oldest, int oldestDb) {
            return new Counters(nextXidEpoch, next, nextMultiOffset, oldestXid, oldestXidDb, oldest, oldestDb,
                    oldestCommitTsXid, newestCommitTsXid);
        }

        public Counters withNextMultiOffset(int offset) {
            return new Counters(nextXidEpoch, nextMulti, offset, oldestXid, oldestXidDb, oldestMulti, oldestMultiDb,
                    oldestCommitTsXid, newestCommitTsXid);
        }

        public Counters withOldestXid(int xid, int db) {
            return new Counters(nextXidEpoch, nextMulti, nextMultiOffset, xid, db, oldestMulti, oldestMultiDb,
                    oldestCommitTsXid, newestCommitTsXid);
        }

        public Counters withCommitTsXids(int oldest, int newest) {
            return new Counters(nextXidEpoch, nextMulti, nextMultiOffset, oldestXid, oldestXidDb, oldestMulti,
                    oldestMultiDb, oldest, newest);
        }
    }

    /** The contents. Immutable; use the withers. */
    public record Data(long systemIdentifier, DbState state, long timeEpochSeconds, Lsn checkPoint, Lsn redo,
                       TimelineId timeline, TimelineId prevTimeline, int nextXid, long checkPointTimeEpochSeconds,
                       Lsn minRecoveryPoint, TimelineId minRecoveryPointTimeline, Lsn backupStartPoint,
                       Lsn backupEndPoint, boolean backupEndRequired, long walSegmentSizeBytes, Counters counters) {

        /** Contents with the initial {@link Counters} (initdb). */
        public Data(long systemIdentifier, DbState state, long timeEpochSeconds, Lsn checkPoint, Lsn redo,
                    TimelineId timeline, TimelineId prevTimeline, int nextXid, long checkPointTimeEpochSeconds,
                    Lsn minRecoveryPoint, TimelineId minRecoveryPointTimeline, Lsn backupStartPoint,
                    Lsn backupEndPoint, boolean backupEndRequired, long walSegmentSizeBytes) {
            this(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline, nextXid,
                    checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline, backupStartPoint,
                    backupEndPoint, backupEndRequired, walSegmentSizeBytes, Counters.INITIAL);
        }

        public Data withState(DbState s) {
            return new Data(systemIdentifier, s, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes, counters);
        }

        public Data withTime(long epochSeconds) {
            return new Data(systemIdentifier, state, epochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes, counters);
        }

        /** A new latest checkpoint (or restartpoint); the {@link Counters} are carried forward. */
        public Data withCheckPoint(Lsn checkPointLsn, CheckPoint cp) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPointLsn, cp.redo(), cp.timeline(),
                    cp.prevTimeline(), cp.nextXid(), cp.timeEpochSeconds(), minRecoveryPoint,
                    minRecoveryPointTimeline, backupStartPoint, backupEndPoint, backupEndRequired,
                    walSegmentSizeBytes, counters);
        }

        public Data withMinRecoveryPoint(Lsn lsn, TimelineId tli) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, lsn, tli, backupStartPoint, backupEndPoint,
                    backupEndRequired, walSegmentSizeBytes, counters);
        }

        public Data withBackup(Lsn start, Lsn end, boolean endRequired) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline, start, end,
                    endRequired, walSegmentSizeBytes, counters);
        }

        public Data withTimeline(TimelineId tli, TimelineId prev) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, tli, prev,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes, counters);
        }

        public Data withNextXid(int xid) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    xid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes, counters);
        }

        public Data withWalSegmentSize(long bytes) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, bytes, counters);
        }

        public Data withCounters(Counters c) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes, c);
        }
    }

    private final Path path;
    private final boolean fsync;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock for writes; volatile for readers. */
    private volatile Data current;

    private ControlFile(Path path, Data data, boolean fsync, Clock clock) {
        this.path = path;
        this.current = data;
        this.fsync = fsync;
        this.clock = clock;
    }

    /** Reads and checks {@code DATA/global/pg_control}. */
    public static ControlFile open(Path dataDir, boolean fsync, Clock clock) {
        Path p = dataDir.resolve(RELATIVE_PATH);
        return new ControlFile(p, read(p), fsync, clock);
    }

    /** Writes a fresh pg_control (initdb). */
    public static ControlFile create(Path dataDir, Data data, Clock clock) {
        Path p = dataDir.resolve(RELATIVE_PATH);
        try {
            Files.createDirectories(p.getParent());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ControlFile cf = new ControlFile(p, data, true, clock);
        cf.write(data);
        return cf;
    }

    /** PostgreSQL's system identifier: seconds << 32 | microseconds << 12 | 12 random bits. */
    public static long newSystemIdentifier(Clock clock) {
        Instant now = clock.instant();
        long micros = now.getNano() / 1000L;
        return (now.getEpochSecond() << 32) | (micros << 12) | (new SecureRandom().nextInt() & 0xFFF);
    }

    public Data get() {
        return current;
    }

    /** Applies {@code change} to the current contents, stamps the time and writes durably. */
    public Data update(UnaryOperator<Data> change) {
        lock.lock();
        try {
            Data next = change.apply(current).withTime(clock.instant().getEpochSecond());
            writeInPlace(next);
            current = next;
            return next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * UpdateControlFile: one write over the existing file and one fsync, as PostgreSQL does; its
     * contents (and their CRC) lie within the first 512-byte sector, which a disk writes whole.
     */
    private void writeInPlace(Data d) {
        byte[] bytes = encode(d);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            if (fsync) {
                ch.force(false);
            }
        } catch (IOException e) {
            Invariants.panic("could not write file \"" + path + "\": " + e.getMessage(), e);
        }
    }

    /** A new pg_control (initdb): a temp file, fsync, rename, directory fsync. */
    private void write(Data d) {
        byte[] bytes = encode(d);
        Path tmp = path.resolveSibling("pg_control.tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (fsync) {
                    ch.force(true);
                }
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (fsync) {
                try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
                    dir.force(true);
                }
            }
        } catch (IOException e) {
            Invariants.panic("could not write file \"" + path + "\": " + e.getMessage(), e);
        }
    }

    /** The file's bytes for {@code d} (a base backup sends pg_control from this image). */
    public static byte[] encode(Data d) {
        ByteBuffer b = ByteBuffer.allocate(FILE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION);
        b.putLong(d.systemIdentifier()).putInt(d.state().ordinal()).putLong(d.timeEpochSeconds());
        b.putLong(d.checkPoint().value()).putLong(d.redo().value());
        b.putInt(d.timeline().value()).putInt(d.prevTimeline().value()).putInt(d.nextXid());
        b.putLong(d.checkPointTimeEpochSeconds());
        b.putLong(d.minRecoveryPoint().value()).putInt(d.minRecoveryPointTimeline().value());
        b.putLong(d.backupStartPoint().value()).putLong(d.backupEndPoint().value());
        b.put((byte) (d.backupEndRequired() ? 1 : 0)).putLong(d.walSegmentSizeBytes());
        Counters c = d.counters();
        b.putInt(c.nextXidEpoch()).putInt(c.nextMulti()).putInt(c.nextMultiOffset()).putInt(c.oldestXid())
                .putInt(c.oldestXidDb()).putInt(c.oldestMulti()).putInt(c.oldestMultiDb())
                .putInt(c.oldestCommitTsXid()).putInt(c.newestCommitTsXid());
        int len = b.position();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, len);
        b.putInt((int) crc.getValue());
        Invariants.check(b.position() <= 512, "pg_control's contents fit one sector");
        return b.array();
    }

    /** Reads and checks a pg_control file; PgException (XX001/58P01) when it is unusable. */
    public static Data read(Path p) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new PgException(SqlState.UNDEFINED_FILE,
                    "could not open file \"" + p + "\": No such file or directory");
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read file \"" + p + "\": " + e.getMessage(), e);
        }
        if (bytes.length < 128) {
            throw new PgException(SqlState.DATA_CORRUPTED,
                    String.format("could not read file \"%s\": read %d of %d", p, bytes.length, FILE_SIZE));
        }
        Decoded decoded = decode(bytes);
        if (decoded == null && !hasKnownVersion(bytes)) {
            throw new PgException(SqlState.DATA_CORRUPTED, "incorrect checksum in control file")
                    .withDetail("The file \"" + p + "\" is not a Walden control file of version " + VERSION + ".");
        }
        if (decoded == null || !decoded.crcValid() || decoded.data() == null) {
            throw new PgException(SqlState.DATA_CORRUPTED, "incorrect checksum in control file");
        }
        long segSize = decoded.data().walSegmentSizeBytes();
        if (!WalSegments.isValidSegmentSize(segSize)) {
            throw new PgException(SqlState.DATA_CORRUPTED,
                    "WAL segment size must be a power of two between 1 MB and 1 GB")
                    .withDetail("The WAL segment size in the control file is " + segSize + " bytes.");
        }
        return decoded.data();
    }

    /**
     * A pg_control file's contents as its bytes say (null when a field is out of range: a state
     * or timeline no {@link Data} can hold), whether their CRC matched, and the WAL segment size
     * the bytes give.
     */
    public record Decoded(Data data, boolean crcValid, long walSegmentSizeBytes) {
    }

    private static boolean hasKnownVersion(byte[] bytes) {
        if (bytes.length < 8) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int version = b.getInt(4);
        return b.getInt(0) == MAGIC && (version == VERSION || version == VERSION_WITHOUT_COUNTERS);
    }

    /**
     * Decodes a pg_control image without judging its CRC or its WAL segment size (pg_resetwal
     * reads a damaged file so); null when it is not a Walden pg_control of a known version, or is
     * cut short. Version 1 files (before {@link Counters}) read with the initial
     * counters.
     */
    public static Decoded decode(byte[] bytes) {
        if (!hasKnownVersion(bytes)) {
            return null;
        }
        try {
            return decodeKnownVersion(bytes);
        } catch (java.nio.BufferUnderflowException e) {
            return null; // cut short
        }
    }

    private static Decoded decodeKnownVersion(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        boolean withCounters = b.getInt(4) == VERSION;
        b.position(8);
        long sysId = b.getLong();
        int state = b.getInt();
        long time = b.getLong();
        Lsn checkPoint = new Lsn(b.getLong());
        Lsn redo = new Lsn(b.getLong());
        int tli = b.getInt();
        int prevTli = b.getInt();
        int nextXid = b.getInt();
        long cpTime = b.getLong();
        Lsn minRecovery = new Lsn(b.getLong());
        int minRecoveryTli = b.getInt();
        Lsn backupStart = new Lsn(b.getLong());
        Lsn backupEnd = new Lsn(b.getLong());
        boolean backupEndRequired = b.get() != 0;
        long segSize = b.getLong();
        Counters counters = withCounters ? new Counters(b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(),
                b.getInt(), b.getInt(), b.getInt(), b.getInt()) : Counters.INITIAL;
        int len = b.position();
        int stored = b.getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, len);
        boolean crcValid = (int) crc.getValue() == stored;
        if (state < 0 || state >= DbState.values().length || tli <= 0 || prevTli <= 0 || minRecoveryTli <= 0) {
            return new Decoded(null, crcValid, segSize);
        }
        Data data = new Data(sysId, DbState.values()[state], time, checkPoint, redo, new TimelineId(tli),
                new TimelineId(prevTli), nextXid, cpTime, minRecovery, new TimelineId(minRecoveryTli), backupStart,
                backupEnd, backupEndRequired, segSize, counters);
        return new Decoded(data, crcValid, segSize);
    }
}
