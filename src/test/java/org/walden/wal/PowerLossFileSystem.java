package org.walden.wal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fault-injecting layer under the WAL's segment files, installed with
 * {@link WalFileChannels#install}: every write goes to the real file, and what it overwrote is
 * remembered until the file is forced. {@link #powerLoss} then does what a power failure does
 * to a file system without data journaling: every byte written since the file's last fsync is
 * lost (the old bytes come back, the file shrinks to its synced size), except that the last
 * write may be torn — a random whole number of 512-byte sectors of it survives. force() does
 * not reach the disk (the durability it promises is this layer's), so crash tests run fast.
 *
 * <p>The power fails at one instant, {@link #freeze}, while the engine is still running: from
 * then on writes go nowhere and forces promise nothing (the machine is dead; a test ignores
 * every acknowledgement it gets after the freeze), the test stops the engine as a crash would,
 * and {@link #powerLoss} rolls the files back to what was synced before the freeze.
 *
 * <p>Thread-safe: one lock guards every file's undo log.
 */
public final class PowerLossFileSystem implements WalFileChannels.Opener {

    /** What one write replaced: the bytes at {@code position} before it, and the size before it. */
    private record Undo(Path file, long position, byte[] before, long sizeBefore, int length) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock: unsynced writes, oldest first, per all files. */
    private final Deque<Undo> unsynced = new ArrayDeque<>();
    private final Random random;
    private long writes;
    private long forces;
    /** Set at the instant the power fails; read by every write and force. */
    private volatile boolean frozen;

    public PowerLossFileSystem(Random random) {
        this.random = random;
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return new Channel(file, FileChannel.open(file, options));
    }

    /** The power fails now: later writes are dropped and later forces make nothing durable. */
    public void freeze() {
        frozen = true;
    }

    /** True after {@link #freeze}: an acknowledgement seen now proves nothing. */
    public boolean frozen() {
        return frozen;
    }

    /** Writes and forces seen so far. */
    public String stats() {
        lock.lock();
        try {
            return writes + " writes, " + forces + " forces, " + unsynced.size() + " unsynced";
        } finally {
            lock.unlock();
        }
    }

    /**
     * The power fails: with the engine already stopped, every unsynced write is undone, newest
     * first; with {@code tear}, a random prefix (whole sectors) of the newest one survives.
     * Returns the number of writes undone.
     */
    public int powerLoss(boolean tear) {
        lock.lock();
        try {
            int undone = unsynced.size();
            boolean newest = true;
            while (!unsynced.isEmpty()) {
                Undo u = unsynced.removeLast();
                int keep = 0;
                if (newest && tear && u.length() > 512) {
                    keep = random.nextInt(u.length() / 512) * 512;
                }
                newest = false;
                restore(u, keep);
            }
            frozen = false;
            return undone;
        } finally {
            lock.unlock();
        }
    }

    /** Puts back what {@code u} overwrote, except its first {@code keepPrefix} bytes (a torn write). */
    private static void restore(Undo u, int keepPrefix) {
        try (FileChannel ch = FileChannel.open(u.file(), StandardOpenOption.WRITE)) {
            int kept = Math.min(keepPrefix, u.before().length);
            ByteBuffer old = ByteBuffer.wrap(u.before(), kept, u.before().length - kept);
            long at = u.position() + kept;
            while (old.hasRemaining()) {
                at += ch.write(old, at);
            }
            long size = Math.max(u.sizeBefore(), u.position() + keepPrefix);
            if (ch.size() > size) {
                ch.truncate(size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void recordWrite(Path file, FileChannel real, long position, int length) throws IOException {
        long size = real.size();
        int overlap = (int) Math.max(0, Math.min(length, size - position));
        byte[] before = new byte[overlap];
        ByteBuffer b = ByteBuffer.wrap(before);
        long at = position;
        while (b.hasRemaining()) {
            int n = real.read(b, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        lock.lock();
        try {
            writes++;
            unsynced.addLast(new Undo(file, position, before, size, length));
        } finally {
            lock.unlock();
        }
    }

    private void forced(Path file) {
        if (frozen) {
            return;
        }
        lock.lock();
        try {
            forces++;
            unsynced.removeIf(u -> u.file().equals(file));
        } finally {
            lock.unlock();
        }
    }

    /** A FileChannel over the real one that records each write's undo and treats force() as durable. */
    private final class Channel extends FileChannel {
        private final Path file;
        private final FileChannel real;

        Channel(Path file, FileChannel real) {
            this.file = file;
            this.real = real;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            long at = real.position();
            int n = write(src, at);
            real.position(at + n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(srcs[i]);
            }
            return total;
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) {
            forced(file);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException("transferFrom");
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (frozen) {
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }
            recordWrite(file, real, position, src.remaining());
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException("map");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }

}
