package org.walden.protocol;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * One protocol connection over a TCP or Unix-domain {@link SocketChannel}: buffered reading
 * of startup packets and typed messages, buffered writing of frames, and waiting for input
 * with a timeout (a walreceiver's "next CopyData or time for a status update"; a backend's
 * idle wait that a fast shutdown can interrupt with {@link #wakeup()}).
 *
 * <p>The channel is non-blocking; each direction has its own {@link Selector}, so one thread
 * may read while another writes (a walsender's reply reader and its sender loop).
 *
 * <p>Concurrency: the read side (inBuf, readSelector) belongs to one reading thread at a time;
 * the write side (outBuf, writeSelector) is guarded by {@code writeLock}, so whole frames
 * from different threads never interleave. {@code ioTimeoutMs} is volatile, read by both.
 * An I/O stall longer than {@code ioTimeoutMs} in the middle of a message is an IOException.
 */
public final class PgStream implements Closeable {

    private static final int BUFFER_BYTES = 64 * 1024;
    /** Default limit for a stall in the middle of a message or a write. */
    public static final long DEFAULT_IO_TIMEOUT_MS = 60_000;

    private final SocketChannel channel;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final ByteBuffer inBuf = ByteBuffer.allocate(BUFFER_BYTES).flip();
    /** Guarded by writeLock. */
    private final ByteBuffer outBuf = ByteBuffer.allocate(BUFFER_BYTES);
    private final ReentrantLock writeLock = new ReentrantLock();
    private final SocketAddress remoteAddress;
    /** Read by the reading and the writing thread. */
    private volatile long ioTimeoutMs = DEFAULT_IO_TIMEOUT_MS;

    /** Wraps a connected channel (an accepted server connection or a connected client). */
    public PgStream(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.remoteAddress = channel.getRemoteAddress();
        channel.configureBlocking(false);
        this.readSelector = Selector.open();
        this.writeSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        channel.register(writeSelector, SelectionKey.OP_WRITE);
    }

    /** Connects to a TCP address or a Unix socket path within {@code connectTimeoutMs}. */
    public static PgStream connect(SocketAddress address, long connectTimeoutMs) throws IOException {
        SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            ch.configureBlocking(false);
            if (address instanceof InetSocketAddress) {
                ch.socket().setTcpNoDelay(true);
                ch.socket().setKeepAlive(true);
            }
            if (!ch.connect(address)) {
                try (Selector s = Selector.open()) {
                    ch.register(s, SelectionKey.OP_CONNECT);
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMs);
                    while (!ch.finishConnect()) {
                        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                        if (leftMs <= 0) {
                            throw new SocketTimeoutException("timeout expired connecting to " + address);
                        }
                        s.select(leftMs);
                    }
                }
            }
            // Re-register with fresh selectors (the connect selector is closed).
            return new PgStream(ch);
        } catch (UnresolvedAddressException e) {
            ch.close();
            throw new UnknownHostException("could not translate host name \"" + address
                    + "\" to address");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** True for a Unix-domain socket connection (pg_hba.conf "local"). */
    public boolean isUnixSocket() {
        return remoteAddress instanceof UnixDomainSocketAddress || !(remoteAddress instanceof InetSocketAddress);
    }

    public void setIoTimeoutMs(long timeoutMs) {
        this.ioTimeoutMs = timeoutMs;
    }

    public long ioTimeoutMs() {
        return ioTimeoutMs;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Waits up to {@code timeoutMs} for input. True when at least one byte is buffered or
     * readable (or the peer closed: the next read then reports EOF); false on timeout or
     * {@link #wakeup()}.
     */
    public boolean awaitReadable(long timeoutMs) throws IOException {
        if (inBuf.hasRemaining()) {
            return true;
        }
        if (fill() != 0) {
            return true;
        }
        select(readSelector, Math.max(1, timeoutMs));
        return fill() != 0;
    }

    /** True if input is buffered or readable right now (or the peer closed); never waits. */
    public boolean pollReadable() throws IOException {
        return inBuf.hasRemaining() || fill() != 0;
    }

    /** Waits on a selector; a selector closed by {@link #close()} reads as a closed channel. */
    private static void select(Selector selector, long timeoutMs) throws IOException {
        try {
            selector.selectedKeys().clear();
            selector.select(timeoutMs);
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
    }

    /** Makes a pending or the next {@link #awaitReadable} return at once. Any thread. */
    public void wakeup() {
        readSelector.wakeup();
    }

    /** Reads what is available without waiting: bytes read, or -1 at EOF (kept as EOF). */
    private int fill() throws IOException {
        inBuf.compact();
        try {
            return channel.read(inBuf);
        } finally {
            inBuf.flip();
        }
    }

    private void need(int n) throws IOException {
        long deadline = 0;
        while (inBuf.remaining() < n) {
            int got = fill();
            if (got < 0) {
                throw new EOFException("connection closed by peer");
            }
            if (got == 0) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + TimeUnit.MILLISECONDS.toNanos(ioTimeoutMs);
                } else if (now - deadline >= 0) {
                    throw new SocketTimeoutException("timeout reading from " + remoteAddress);
                }
                select(readSelector, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now)));
            } else {
                deadline = 0;
            }
        }
    }

    public int readByte() throws IOException {
        need(1);
        return inBuf.get() & 0xff;
    }

    public int readInt32() throws IOException {
        need(4);
        return inBuf.getInt();
    }

    public void readFully(byte[] target) throws IOException {
        int off = 0;
        while (off < target.length) {
            need(1);
            int n = Math.min(inBuf.remaining(), target.length - off);
            inBuf.get(target, off, n);
            off += n;
        }
    }

    /**
     * Reads a startup-phase packet (no type byte). A length under 8 or over
     * {@link PgProtocol#MAX_STARTUP_PACKET_LENGTH} raises 08P01 "invalid length of startup
     * packet" before reading the body.
     */
    public StartupPacket readStartupPacket() throws IOException {
        int length = readInt32();
        if (length < 8 || length > PgProtocol.MAX_STARTUP_PACKET_LENGTH) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet");
        }
        byte[] body = new byte[length - 4];
        readFully(body);
        return StartupPacket.decode(body);
    }

    /**
     * Reads one typed message. A length word under 4 or over {@code maxLength} raises 08P01
     * "invalid message length" without reading the body (the stream is then unusable).
     */
    public Message readMessage(int maxLength) throws IOException {
        char type = (char) readByte();
        int length = readInt32();
        if (length < 4 || length - 4 > maxLength) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid message length");
        }
        byte[] body = new byte[length - 4];
        readFully(body);
        return new Message(type, body);
    }

    /**
     * Reads one typed message whose length limit depends on its type (PostgreSQL's
     * SocketBackend: large limits for Query, Parse, Bind, CopyData; small ones for the rest).
     */
    public Message readMessage(IntUnaryOperator maxLengthForType) throws IOException {
        char type = (char) readByte();
        int length = readInt32();
        int maxLength = maxLengthForType.applyAsInt(type);
        if (length < 4 || length - 4 > maxLength) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid message length");
        }
        byte[] body = new byte[length - 4];
        readFully(body);
        return new Message(type, body);
    }

    /**
     * The read side as a blocking InputStream (for a walsender written against streams):
     * read() waits until data, EOF or {@link #close()}, in slices, without a time limit of its
     * own; the caller's protocol timeouts (wal_sender_timeout) bound the wait.
     */
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (!inBuf.hasRemaining()) {
                    if (!channel.isOpen()) {
                        throw new ClosedChannelException();
                    }
                    int got = fill();
                    if (got < 0) {
                        return -1;
                    }
                    if (got == 0) {
                        select(readSelector, 1000);
                    }
                }
                int n = Math.min(len, inBuf.remaining());
                inBuf.get(b, off, n);
                return n;
            }

            @Override
            public int available() {
                return inBuf.remaining();
            }
        };
    }

    /** The write side as an OutputStream; writes are queued like {@link #send}, flush() writes out. */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                send(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                send(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                PgStream.this.flush();
            }
        };
    }

    /** True if a whole message is already buffered (no read would block). */
    public boolean hasBufferedInput() {
        return inBuf.hasRemaining();
    }

    // ---------------------------------------------------------------- writing

    /** Queues one or more whole frames; large frames go out at once. */
    public void send(byte[] frame) throws IOException {
        send(frame, 0, frame.length);
    }

    /** Queues {@code length} bytes of {@code data} from {@code offset}. */
    public void send(byte[] data, int offset, int length) throws IOException {
        writeLock.lock();
        try {
            if (length > outBuf.remaining()) {
                flushLocked();
            }
            if (length > outBuf.capacity()) {
                writeFully(ByteBuffer.wrap(data, offset, length));
            } else {
                outBuf.put(data, offset, length);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes out everything queued. */
    public void flush() throws IOException {
        writeLock.lock();
        try {
            flushLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /** {@link #send} then {@link #flush}, atomically with respect to other writers. */
    public void sendAndFlush(byte[] frame) throws IOException {
        writeLock.lock();
        try {
            send(frame);
            flushLocked();
        } finally {
            writeLock.unlock();
        }
    }

    private void flushLocked() throws IOException {
        outBuf.flip();
        try {
            writeFully(outBuf);
        } finally {
            outBuf.compact();
        }
    }

    private void writeFully(ByteBuffer src) throws IOException {
        long deadline = 0;
        while (src.hasRemaining()) {
            int n = channel.write(src);
            if (n > 0) {
                deadline = 0;
                continue;
            }
            long now = System.nanoTime();
            if (deadline == 0) {
                deadline = now + TimeUnit.MILLISECONDS.toNanos(ioTimeoutMs);
            } else if (now - deadline >= 0) {
                throw new SocketTimeoutException("timeout writing to " + remoteAddress);
            }
            select(writeSelector, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now)));
        }
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Closes the channel and both selectors; a blocked reader or writer then fails. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            readSelector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            writeSelector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
