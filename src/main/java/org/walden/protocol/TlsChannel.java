package org.walden.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * TLS over a non-blocking {@link SocketChannel} with JSSE's {@link SSLEngine}, with the read
 * and write contracts of the channel itself, so {@link PgStream} uses either: {@link #read}
 * returns the plaintext bytes available now (0: none yet, -1: end of stream or close_notify),
 * {@link #write} takes what it can encrypt and send without waiting (0: the socket is full).
 *
 * <p>Buffers: {@code netIn} holds received TLS records not yet decrypted (write mode),
 * {@code appIn} decrypted bytes not yet handed out (read mode), {@code netOut} encrypted
 * bytes not yet sent (read mode). The read side (netIn, appIn) belongs to one reading thread
 * at a time; the write side (netOut) is guarded by {@code wrapLock}, which a reader also takes
 * when the engine asks it to answer (a TLS 1.3 key update). JSSE allows wrap and unwrap to run
 * at the same time.
 */
final class TlsChannel {

    private final SocketChannel channel;
    private final SSLEngine engine;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    /** Guarded by wrapLock. */
    private ByteBuffer netOut;
    private final ReentrantLock wrapLock = new ReentrantLock();
    private boolean inboundClosed;
    /** True until {@link #handshake} returns: unwrap then leaves the next step to the handshake loop. */
    private boolean handshaking = true;

    TlsChannel(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        SSLSession s = engine.getSession();
        this.netIn = ByteBuffer.allocate(s.getPacketBufferSize());
        this.appIn = ByteBuffer.allocate(s.getApplicationBufferSize()).flip();
        this.netOut = ByteBuffer.allocate(s.getPacketBufferSize()).flip();
    }

    SSLSession session() {
        return engine.getSession();
    }

    /**
     * Runs the handshake to its end, waiting on the stream's selectors, within {@code timeoutMs}
     * of no progress. An SSLException (e.g. a certificate the peer refused) or EOFException ends it.
     */
    void handshake(Selector readSelector, Selector writeSelector, long timeoutMs) throws IOException {
        engine.beginHandshake();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    wrapLock.lock();
                    try {
                        wrap(ByteBuffer.allocate(0));
                        while (!flushNetOut()) {
                            await(writeSelector, deadline);
                        }
                    } finally {
                        wrapLock.unlock();
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (unwrapAvailable() < 0) {
                        throw new EOFException("connection closed during the TLS handshake");
                    }
                    if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP
                            && !progressedUnwrap) {
                        int n = channel.read(netIn);
                        if (n < 0) {
                            throw new EOFException("connection closed during the TLS handshake");
                        }
                        if (n == 0) {
                            await(readSelector, deadline);
                        }
                    }
                }
                case NEED_TASK -> runTasks();
                default -> {
                    wrapLock.lock();
                    try {
                        while (!flushNetOut()) {
                            await(writeSelector, deadline);
                        }
                    } finally {
                        wrapLock.unlock();
                    }
                    handshaking = false;
                    return;
                }
            }
        }
    }

    /** Whether the last {@link #unwrapAvailable} consumed or produced anything. */
    private boolean progressedUnwrap;

    private static void await(Selector selector, long deadline) throws IOException {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0) {
            throw new SocketTimeoutException("timeout during the TLS handshake");
        }
        try {
            selector.selectedKeys().clear();
            selector.select(leftMs);
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    private void runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }

    /** Plaintext into {@code dst}: bytes copied, 0 if none is available yet, -1 at the end. */
    int read(ByteBuffer dst) throws IOException {
        if (appIn.hasRemaining()) {
            return copy(dst);
        }
        boolean eof = false;
        while (true) {
            int state = unwrapAvailable();
            if (appIn.hasRemaining()) {
                return copy(dst);
            }
            if (state < 0 || eof) {
                return -1;
            }
            int n = channel.read(netIn);
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                return 0;
            }
        }
    }

    /** True if decrypted or received-but-undecrypted bytes wait (a read may not block). */
    boolean hasBufferedInput() {
        return appIn.hasRemaining() || netIn.position() > 0;
    }

    private int copy(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), appIn.remaining());
        ByteBuffer slice = appIn.slice(appIn.position(), n);
        dst.put(slice);
        appIn.position(appIn.position() + n);
        return n;
    }

    /**
     * Decrypts every whole record in netIn into appIn. Returns -1 once the peer's close_notify
     * arrived, else 0; sets {@link #progressedUnwrap}.
     */
    private int unwrapAvailable() throws IOException {
        progressedUnwrap = false;
        if (inboundClosed) {
            return -1;
        }
        while (true) {
            netIn.flip();
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
                netIn.compact();
            }
            if (r.bytesConsumed() > 0 || r.bytesProduced() > 0) {
                progressedUnwrap = true;
            }
            switch (r.getStatus()) {
                case CLOSED -> {
                    inboundClosed = true;
                    return -1;
                }
                case BUFFER_UNDERFLOW -> {
                    if (!netIn.hasRemaining()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
                    }
                    return 0;
                }
                case BUFFER_OVERFLOW -> {
                    if (appIn.hasRemaining()) {
                        return 0; // hand out what is decrypted first
                    }
                    appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                }
                case OK -> {
                    if (handshaking) {
                        if (r.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                            return 0; // the handshake loop takes the next step
                        }
                    } else {
                        answerHandshakeAfterUnwrap(r.getHandshakeStatus());
                    }
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                        return 0;
                    }
                }
            }
        }
    }

    /** After the handshake, a TLS 1.3 message (key update) may ask for tasks or an answer. */
    private void answerHandshakeAfterUnwrap(SSLEngineResult.HandshakeStatus status) throws IOException {
        if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks();
            status = engine.getHandshakeStatus();
        }
        if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP && wrapLock.tryLock()) {
            try {
                wrap(ByteBuffer.allocate(0));
                flushNetOut();
            } finally {
                wrapLock.unlock();
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, atLeast));
        if (readMode) {
            bigger.put(b).flip();
        } else {
            b.flip();
            bigger.put(b);
        }
        return bigger;
    }

    /**
     * Encrypts and sends what can go out now: the bytes of {@code src} consumed (0 when the
     * socket cannot take more; {@link #hasPendingOutput} then says bytes wait).
     */
    int write(ByteBuffer src) throws IOException {
        wrapLock.lock();
        try {
            if (!flushNetOut()) {
                return 0;
            }
            int consumed = 0;
            while (src.hasRemaining()) {
                consumed += wrap(src);
                if (!flushNetOut()) {
                    break;
                }
            }
            return consumed;
        } finally {
            wrapLock.unlock();
        }
    }

    boolean hasPendingOutput() {
        wrapLock.lock();
        try {
            return netOut.hasRemaining();
        } finally {
            wrapLock.unlock();
        }
    }

    /** One wrap of {@code src} into netOut; the bytes consumed. Caller holds wrapLock. */
    private int wrap(ByteBuffer src) throws SSLException {
        while (true) {
            netOut.compact();
            SSLEngineResult r;
            try {
                r = engine.wrap(src, netOut);
            } finally {
                netOut.flip();
            }
            switch (r.getStatus()) {
                case BUFFER_OVERFLOW -> netOut = grow(netOut, engine.getSession().getPacketBufferSize(), true);
                case CLOSED -> throw new SSLException("TLS connection closed");
                default -> {
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    return r.bytesConsumed();
                }
            }
        }
    }

    /** Writes netOut without waiting; true when all of it went. Caller holds wrapLock. */
    private boolean flushNetOut() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Sends close_notify, best effort and without waiting. */
    void closeOutbound() {
        if (!wrapLock.tryLock()) {
            return;
        }
        try {
            engine.closeOutbound();
            wrap(ByteBuffer.allocate(0));
            flushNetOut();
        } catch (IOException | RuntimeException e) {
            // closing anyway
        } finally {
            wrapLock.unlock();
        }
    }
}
