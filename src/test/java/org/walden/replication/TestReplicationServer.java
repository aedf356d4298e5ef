package org.walden.replication;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny postmaster for tests: accepts TCP connections, answers SSLRequest with 'N', reads the
 * startup packet, trusts everyone, sends the ParameterStatus set PostgreSQL 15 sends and
 * BackendKeyData, then hands the connection to a WalSender.
 */
final class TestReplicationServer implements AutoCloseable {

    final WalSenderContext ctx;
    private final ServerSocket server;
    private final AtomicInteger nextPid = new AtomicInteger(4000);
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<WalSender> senders = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> startupParams = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    TestReplicationServer(WalSource wal, BackupSource backup, TestSettings settings) throws IOException {
        this(new WalSenderContext(wal, backup, new ReplicationSlots(null, 10), new WalSenderRegistry(), settings,
                Clock.systemUTC()), 0);
    }

    TestReplicationServer(WalSenderContext ctx, int port) throws IOException {
        this.ctx = ctx;
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("test-postmaster").start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 65536);
            Map<String, String> params = readStartup(in, out);
            if (params == null) {
                return;
            }
            startupParams.add(params);
            int pid = nextPid.incrementAndGet();
            PgWire.Writer w = new PgWire.Writer(out);
            w.message('R', new PgWire.Body().int32(0).bytes());
            Map<String, String> status = new java.util.LinkedHashMap<>();
            status.put("application_name", params.getOrDefault("application_name", ""));
            status.put("client_encoding", "UTF8");
            status.put("DateStyle", "ISO, MDY");
            status.put("integer_datetimes", "on");
            status.put("is_superuser", "on");
            status.put("server_encoding", "UTF8");
            status.put("server_version", "15.18");
            status.put("session_authorization", params.getOrDefault("user", ""));
            status.put("standard_conforming_strings", "on");
            status.put("TimeZone", "Etc/UTC");
            for (var e : status.entrySet()) {
                w.message('S', new PgWire.Body().cstring(e.getKey()).cstring(e.getValue()).bytes());
            }
            w.message('K', new PgWire.Body().int32(pid).int32(12345).bytes());
            WalSender sender = new WalSender(ctx, in, out, params.get("user"), params.get("application_name"),
                    (InetSocketAddress) s.getRemoteSocketAddress(), pid);
            senders.add(sender);
            sender.run();
        } catch (IOException e) {
            // connection gone
        }
    }

    private static Map<String, String> readStartup(DataInputStream in, OutputStream out) throws IOException {
        while (true) {
            int len = in.readInt();
            byte[] body = new byte[len - 4];
            in.readFully(body);
            int code = java.nio.ByteBuffer.wrap(body).getInt();
            if (code == PgWire.SSL_REQUEST_CODE || code == 80877104) {
                out.write('N');
                out.flush();
                continue;
            }
            Map<String, String> params = new HashMap<>();
            int i = 4;
            while (i < body.length && body[i] != 0) {
                int e = i;
                while (body[e] != 0) {
                    e++;
                }
                String k = new String(body, i, e - i, StandardCharsets.UTF_8);
                int v = e + 1;
                int ve = v;
                while (body[ve] != 0) {
                    ve++;
                }
                params.put(k, new String(body, v, ve - v, StandardCharsets.UTF_8));
                i = ve + 1;
            }
            return params;
        }
    }

    /** Cuts every connection (a primary crash, as the client sees it). */
    void dropConnections() {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        dropConnections();
    }
}
