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
 * ControlFileData). Written durably: a temp file is written and fsynced, renamed over the old
 * one, and the directory fsynced. CRC-32C protected; a corrupt file is refused.
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
    private static final int VERSION = 1;

    /** The contents. Immutable; use the withers. */
    public record Data(long systemIdentifier, DbState state, long timeEpochSeconds, Lsn checkPoint, Lsn redo,
                       TimelineId timeline, TimelineId prevTimeline, int nextXid, long checkPointTimeEpochSeconds,
                       Lsn minRecoveryPoint, TimelineId minRecoveryPointTimeline, Lsn backupStartPoint,
                       Lsn backupEndPoint, boolean backupEndRequired, long walSegmentSizeBytes) {

        public Data withState(DbState s) {
            return new Data(systemIdentifier, s, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes);
        }

        public Data withTime(long epochSeconds) {
            return new Data(systemIdentifier, state, epochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes);
        }

        /** A new latest checkpoint (or restartpoint). */
        public Data withCheckPoint(Lsn checkPointLsn, CheckPoint cp) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPointLsn, cp.redo(), cp.timeline(),
                    cp.prevTimeline(), cp.nextXid(), cp.timeEpochSeconds(), minRecoveryPoint,
                    minRecoveryPointTimeline, backupStartPoint, backupEndPoint, backupEndRequired,
                    walSegmentSizeBytes);
        }

        public Data withMinRecoveryPoint(Lsn lsn, TimelineId tli) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, lsn, tli, backupStartPoint, backupEndPoint,
                    backupEndRequired, walSegmentSizeBytes);
        }

        public Data withBackup(Lsn start, Lsn end, boolean endRequired) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, timeline, prevTimeline,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline, start, end,
                    endRequired, walSegmentSizeBytes);
        }

        public Data withTimeline(TimelineId tli, TimelineId prev) {
            return new Data(systemIdentifier, state, timeEpochSeconds, checkPoint, redo, tli, prev,
                    nextXid, checkPointTimeEpochSeconds, minRecoveryPoint, minRecoveryPointTimeline,
                    backupStartPoint, backupEndPoint, backupEndRequired, walSegmentSizeBytes);
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
            write(next);
            current = next;
            return next;
        } finally {
            lock.unlock();
        }
    }

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
        int len = b.position();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, len);
        b.putInt((int) crc.getValue());
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
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || b.getInt() != VERSION) {
            throw new PgException(SqlState.DATA_CORRUPTED, "incorrect checksum in control file")
                    .withDetail("The file \"" + p + "\" is not a Walden control file of version " + VERSION + ".");
        }
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
        int len = b.position();
        int stored = b.getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, len);
        if ((int) crc.getValue() != stored || state < 0 || state >= DbState.values().length || tli <= 0
                || prevTli <= 0 || minRecoveryTli <= 0) {
            throw new PgException(SqlState.DATA_CORRUPTED, "incorrect checksum in control file");
        }
        if (!WalSegments.isValidSegmentSize(segSize)) {
            throw new PgException(SqlState.DATA_CORRUPTED,
                    "WAL segment size must be a power of two between 1 MB and 1 GB")
                    .withDetail("The WAL segment size in the control file is " + segSize + " bytes.");
        }
        return new Data(sysId, DbState.values()[state], time, checkPoint, redo, new TimelineId(tli),
                new TimelineId(prevTli), nextXid, cpTime, minRecovery, new TimelineId(minRecoveryTli), backupStart,
                backupEnd, backupEndRequired, segSize);
    }
}
