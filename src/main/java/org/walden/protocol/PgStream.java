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
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
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
    /** Messages up to this size are read into a buffer of their full size at once. */
    static final int SMALL_MESSAGE_BYTES = 64 * 1024;
    /** A large message's buffer starts at this size and doubles as its bytes arrive. */
    static final int FIRST_CHUNK_BYTES = 1024 * 1024;
    /** Null: large messages are not budgeted (a client's connection); set once before reading. */
    private volatile MessageBudget budget;
    /** Reserved from the budget for the last large message; released at the next read or by close. */
    private final java.util.concurrent.atomic.AtomicLong heldBytes = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The last read of the socket left room in the buffer: the socket had nothing more then, so
     * a reader that has used up the buffer waits on the selector first instead of trying a read
     * that would most likely find nothing (one system call fewer per message in request-reply
     * traffic: a standby's replies, a client's next query). The selector is level-triggered, so
     * bytes that came in meanwhile end the wait at once. Reading thread only; never set under TLS,
     * whose engine may hold bytes the socket no longer shows.
     */
    private boolean drained;
    /** Null in plaintext; set once by {@link #startTls}, before any other thread uses the stream. */
    private volatile TlsChannel tls;

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

    /** The server's end of the connection (inet_server_addr), or null when the socket has none. */
    public SocketAddress localAddress() {
        try {
            return channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    /** True for a Unix-domain socket connection (pg_hba.conf "local"). */
    public boolean isUnixSocket() {
        return remoteAddress instanceof UnixDomainSocketAddress || !(remoteAddress instanceof InetSocketAddress);
    }

    /**
     * Switches the connection to TLS: runs {@code engine}'s handshake (server or client mode,
     * as the engine was made) within the I/O timeout, after which every byte read and written
     * is encrypted. Call only with no plaintext input buffered ({@link #hasBufferedInput}: a
     * peer that sent bytes after its SSLRequest before the answer is refused by the caller,
     * as PostgreSQL refuses it). SSLException when the handshake fails.
     */
    public void startTls(SSLEngine engine) throws IOException {
        if (inBuf.hasRemaining()) {
            throw new IllegalStateException("plaintext input is buffered");
        }
        TlsChannel t = new TlsChannel(channel, engine);
        t.handshake(readSelector, writeSelector, ioTimeoutMs);
        tls = t;
    }

    /** Large incoming messages reserve their memory from {@code b} (a server's connections share one). */
    public void setMessageBudget(MessageBudget b) {
        this.budget = b;
    }

    /** The TLS session, or null on a plaintext connection. */
    public SSLSession tlsSession() {
        TlsChannel t = tls;
        return t == null ? null : t.session();
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
        if (!socketDrained() && fill() != 0) {
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

    /** The last plaintext read found the socket empty (see {@code drained}); never under TLS. */
    private boolean socketDrained() {
        return drained && tls == null;
    }

    /** Reads what is available without waiting: bytes read, or -1 at EOF (kept as EOF). */
    private int fill() throws IOException {
        inBuf.compact();
        try {
            TlsChannel t = tls;
            if (t != null) {
                return t.read(inBuf);
            }
            int got = channel.read(inBuf);
            drained = got >= 0 && inBuf.hasRemaining(); // the buffer is in write mode: room left
            return got;
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
        return readMessage(t -> maxLength);
    }

    /**
     * Reads one typed message whose length limit depends on its type (PostgreSQL's
     * SocketBackend: large limits for Query, Parse, Bind, CopyData; small ones for the rest).
     */
    public Message readMessage(IntUnaryOperator maxLengthForType) throws IOException {
        return readMessage(maxLengthForType, maxLengthForType);
    }

    /**
     * As {@link #readMessage(IntUnaryOperator)}, and a message over {@code acceptedLengthForType}
     * (but within the protocol's limit) is read, dropped and refused with
     * {@link OversizedMessageException} (ERROR 54000): the connection stays usable.
     */
    public Message readMessage(IntUnaryOperator maxLengthForType, IntUnaryOperator acceptedLengthForType)
            throws IOException {
        releaseHeld();
        char type = (char) readByte();
        int length = readInt32();
        int maxLength = maxLengthForType.applyAsInt(type);
        if (length < 4 || length - 4 > maxLength) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid message length");
        }
        int accepted = acceptedLengthForType.applyAsInt(type);
        if (length - 4 > accepted) {
            skip(length - 4L);
            throw new OversizedMessageException(type, length - 4L, accepted);
        }
        return new Message(type, readBody(length - 4));
    }

    /**
     * A message body of {@code n} bytes. A large one grows as its bytes arrive, each doubling
     * reserved from the budget first (and held until the next message is read); a reservation
     * that does not fit is FATAL 53200 for this connection only.
     */
    private byte[] readBody(int n) throws IOException {
        MessageBudget b = budget;
        if (b == null || n <= SMALL_MESSAGE_BYTES) {
            byte[] body = new byte[n];
            readFully(body);
            return body;
        }
        byte[] buf = new byte[0];
        int filled = 0;
        while (filled < n) {
            int capacity = (int) Math.min(n, Math.max(FIRST_CHUNK_BYTES, 2L * buf.length));
            if (!b.tryReserve(capacity - buf.length)) {
                releaseHeld();
                throw new PgException(PgException.Severity.FATAL, SqlState.OUT_OF_MEMORY, "out of memory",
                        "Failed on request of size " + capacity + " in memory context \"MessageContext\".", null,
                        null);
            }
            heldBytes.addAndGet(capacity - buf.length);
            buf = java.util.Arrays.copyOf(buf, capacity);
            while (filled < capacity) {
                need(1);
                int k = Math.min(inBuf.remaining(), capacity - filled);
                inBuf.get(buf, filled, k);
                filled += k;
            }
        }
        return buf;
    }

    /**
     * Reads and drops {@code n} bytes (the rest of a message refused for its size), holding no
     * more memory than the read buffer.
     */
    public void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            need(1);
            int k = (int) Math.min(inBuf.remaining(), left);
            inBuf.position(inBuf.position() + k);
            left -= k;
        }
    }

    private void releaseHeld() {
        long held = heldBytes.getAndSet(0);
        MessageBudget b = budget;
        if (held > 0 && b != null) {
            b.release(held);
        }
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
                boolean waitFirst = socketDrained();
                while (!inBuf.hasRemaining()) {
                    if (!channel.isOpen()) {
                        throw new ClosedChannelException();
                    }
                    if (waitFirst) {
                        waitFirst = false;
                        select(readSelector, 1000);
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

    /** True if input is already buffered (plaintext, or TLS records not yet decrypted). */
    public boolean hasBufferedInput() {
        TlsChannel t = tls;
        return inBuf.hasRemaining() || (t != null && t.hasBufferedInput());
    }

    /**
     * The peer's operating-system user on a Unix-domain socket (SO_PEERCRED), for pg_hba.conf's
     * {@code peer} method; null on TCP or where the platform cannot tell.
     */
    public String peerUserName() {
        if (!isUnixSocket()) {
            return null;
        }
        try {
            return channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
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
        TlsChannel t = tls;
        while (src.hasRemaining() || (t != null && t.hasPendingOutput())) {
            int n = t == null ? channel.write(src) : t.write(src);
            if (t != null && n == 0 && !t.hasPendingOutput() && !src.hasRemaining()) {
                break;
            }
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

    /** Closes the channel and both selectors (a TLS connection sends close_notify first, best effort). */
    @Override
    public void close() {
        releaseHeld();
        TlsChannel t = tls;
        if (t != null && channel.isOpen()) {
            t.closeOutbound();
        }
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
