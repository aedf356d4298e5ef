package org.walden.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A raw protocol-3 client for tests, to send what no driver sends (truncated, oversized or
 * misplaced messages) and to read the server's answers message by message. {@code out} is open
 * for hand-framed bytes.
 */
public final class RawPgClient implements AutoCloseable {

    /** One backend message. */
    public record Msg(char type, byte[] body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    public final DataOutputStream out;

    private RawPgClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    /** How long a read may wait for the server (20 s from {@link #connect}). */
    public void readTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** Connects to 127.0.0.1 as postgres and sends the startup packet; replication=true when asked. */
    public static RawPgClient connect(int port, boolean replication) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        RawPgClient r = new RawPgClient(s);
        ByteArrayOutputStream params = new ByteArrayOutputStream();
        for (String p : replication
                ? List.of("user", "postgres", "database", "postgres", "replication", "true")
                : List.of("user", "postgres", "database", "postgres")) {
            params.writeBytes(p.getBytes(StandardCharsets.UTF_8));
            params.write(0);
        }
        params.write(0);
        r.out.writeInt(8 + params.size());
        r.out.writeInt(196608);
        r.out.write(params.toByteArray());
        r.out.flush();
        return r;
    }

    /** A replication connection, started up to its first ReadyForQuery. */
    public static RawPgClient replication(int port) throws IOException {
        RawPgClient r = connect(port, true);
        r.readUntilReady();
        return r;
    }

    /** The error a startup ends with ("SEVERITY CODE message"), or fails if it succeeds. */
    public static String startupError(int port, boolean replication) throws IOException {
        try (RawPgClient r = connect(port, replication)) {
            String end = r.readUntilEnd();
            assertThat(end).doesNotContain("READY");
            return end.strip();
        }
    }

    public Msg read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        return new Msg(type, body);
    }

    public void send(char type, byte[] body) throws IOException {
        out.writeByte(type);
        out.writeInt(body.length + 4);
        out.write(body);
        out.flush();
    }

    public void query(String sql) throws IOException {
        send('Q', (sql + "\0").getBytes(StandardCharsets.UTF_8));
    }

    /** Reads up to ReadyForQuery; fails on an ErrorResponse. */
    public void readUntilReady() throws IOException {
        for (Msg m = read(); m.type() != 'Z'; m = read()) {
            assertThat(m.type()).as(describe(m)).isNotEqualTo('E');
        }
    }

    /** Sends {@code sql}, expects one ErrorResponse then ReadyForQuery; returns "SEVERITY CODE message". */
    public String queryError(String sql) throws IOException {
        query(sql);
        String error = null;
        for (Msg m = read(); m.type() != 'Z'; m = read()) {
            if (m.type() == 'E') {
                error = describe(m);
            }
        }
        assertThat(error).as("an error for " + sql).isNotNull();
        return error;
    }

    /** Skips to the next ErrorResponse and returns its fields. */
    public Map<Character, String> readError() throws IOException {
        Msg m = read();
        while (m.type() != 'E') {
            m = read();
        }
        return errorFields(m);
    }

    /** True when the server closes the connection (EOF or reset), skipping any messages before it. */
    public boolean readsEof() throws IOException {
        try {
            while (true) {
                read();
            }
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    /** IDENTIFY_SYSTEM's one row: systemid, timeline, xlogpos, dbname. */
    public List<String> identifySystem() throws IOException {
        query("IDENTIFY_SYSTEM");
        List<String> row = new ArrayList<>();
        for (Msg m = read(); m.type() != 'Z'; m = read()) {
            assertThat(m.type()).as(describe(m)).isNotEqualTo('E');
            if (m.type() == 'D') {
                DataInputStream d = new DataInputStream(new ByteArrayInputStream(m.body()));
                int n = d.readShort();
                for (int i = 0; i < n; i++) {
                    int len = d.readInt();
                    if (len < 0) {
                        row.add(null);
                    } else {
                        byte[] v = new byte[len];
                        d.readFully(v);
                        row.add(new String(v, StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return row;
    }

    /** Reads until the server closes; the errors seen, one a line, and READY for each ReadyForQuery. */
    public String readUntilEnd() throws IOException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                Msg m = read();
                if (m.type() == 'E') {
                    seen.append(describe(m)).append('\n');
                } else if (m.type() == 'Z') {
                    seen.append("READY\n");
                }
            } catch (EOFException | SocketException e) {
                return seen.toString();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server did not close the connection; seen: " + seen, e);
            }
        }
        throw new AssertionError("the server did not close the connection; seen: " + seen);
    }

    /** "SEVERITY CODE message" for an ErrorResponse, "message X" for anything else. */
    public static String describe(Msg m) {
        if (m.type() != 'E') {
            return "message " + m.type();
        }
        Map<Character, String> fields = errorFields(m);
        return fields.get('S') + " " + fields.get('C') + " " + fields.get('M');
    }

    private static Map<Character, String> errorFields(Msg m) {
        byte[] body = m.body();
        Map<Character, String> fields = new HashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char f = (char) body[i++];
            int start = i;
            while (body[i] != 0) {
                i++;
            }
            fields.put(f, new String(body, start, i - start, StandardCharsets.UTF_8));
            i++;
        }
        return fields;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
