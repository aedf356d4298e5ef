package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.protocol.PgClient;

/**
 * A walsender fed badly framed input over a real socket: an oversized message is FATAL 08P01
 * ("invalid message length") and the connection ends; a truncated message followed by a close
 * ends the walsender quietly; CopyData outside COPY is ignored (as PostgreSQL does); an
 * oversized reply while streaming ends the stream. Each time the walsender's slot is freed and
 * the next client is served.
 */
class WalSenderFaultsTest {

    private static MemoryWalSource wal() {
        MemoryWalSource wal = new MemoryWalSource(StreamingLoopbackTest.SYSID, StreamingLoopbackTest.SEG,
                StreamingLoopbackTest.BASE);
        wal.appendPattern(10_000);
        return wal;
    }

    @Test
    void anOversizedMessageIsFatal08P01AndTheNextClientIsServed() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings());
             Raw r = Raw.replication(server.port())) {
            r.out.writeByte('Q');
            r.out.writeInt(PgWire.MAX_MESSAGE_BYTES + 5);
            r.out.write(new byte[16]);
            r.out.flush();
            Map<Character, String> e = r.readError();
            assertThat(e).containsEntry('S', "FATAL").containsEntry('C', "08P01")
                    .containsEntry('M', "invalid message length");
            assertThat(r.readsEof()).isTrue();
            assertServesNext(server);
        }
    }

    @Test
    void aLengthBelowFourIsFatal08P01() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings());
             Raw r = Raw.replication(server.port())) {
            r.out.writeByte('Q');
            r.out.writeInt(2);
            r.out.flush();
            assertThat(r.readError()).containsEntry('S', "FATAL").containsEntry('C', "08P01");
            assertThat(r.readsEof()).isTrue();
            assertServesNext(server);
        }
    }

    @Test
    void aTruncatedMessageThenCloseEndsTheWalSenderQuietly() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings())) {
            try (Raw r = Raw.replication(server.port())) {
                r.out.writeByte('Q');
                r.out.writeInt(1000);
                r.out.write("IDENTIFY_S".getBytes(StandardCharsets.US_ASCII));
                r.out.flush();
                StreamingLoopbackTest.waitUntil("the walsender registered",
                        () -> server.ctx.registry().stats().size() == 1);
            }
            assertServesNext(server);
        }
    }

    @Test
    void copyDataOutsideCopyIsIgnoredAndTheNextCommandAnswers() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings());
             Raw r = Raw.replication(server.port())) {
            r.send('d', new byte[] {'r', 1, 2, 3});
            r.send('c', new byte[0]);
            r.query("IDENTIFY_SYSTEM");
            char first = r.read().type;
            assertThat(first).isEqualTo('T');
        }
    }

    @Test
    void anOversizedReplyWhileStreamingEndsTheStream() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings());
             Raw r = Raw.replication(server.port())) {
            r.query("START_REPLICATION PHYSICAL " + StreamingLoopbackTest.BASE);
            char type;
            do {
                type = r.read().type;
            } while (type != 'W');
            r.out.writeByte('d');
            r.out.writeInt(PgWire.MAX_MESSAGE_BYTES + 5);
            r.out.write(new byte[16]);
            r.out.flush();
            assertThat(r.readsEof()).isTrue();
            assertServesNext(server);
        }
    }

    private static void assertServesNext(TestReplicationServer server) throws Exception {
        StreamingLoopbackTest.waitUntil("the walsender slot freed", () -> server.ctx.registry().stats().isEmpty());
        try (PgClient c = StreamingLoopbackTest.connect(server.port())) {
            assertThat(c.simpleQuery("IDENTIFY_SYSTEM").rows()).hasSize(1);
        }
    }

    /** One backend message. */
    record Msg(char type, byte[] body) {
    }

    /** A raw protocol-3 client that can frame messages wrongly. */
    static final class Raw implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        private Raw(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = new DataOutputStream(socket.getOutputStream());
        }

        static Raw replication(int port) throws IOException {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(20_000);
            Raw r = new Raw(s);
            ByteArrayOutputStream params = new ByteArrayOutputStream();
            for (String p : new String[] {"user", "postgres", "replication", "true"}) {
                params.writeBytes(p.getBytes(StandardCharsets.UTF_8));
                params.write(0);
            }
            params.write(0);
            r.out.writeInt(8 + params.size());
            r.out.writeInt(196608);
            r.out.write(params.toByteArray());
            r.out.flush();
            for (Msg m = r.read(); m.type != 'Z'; m = r.read()) {
                assertThat(m.type).isNotEqualTo('E');
            }
            return r;
        }

        Msg read() throws IOException {
            char type = (char) in.readUnsignedByte();
            int len = in.readInt();
            byte[] body = new byte[len - 4];
            in.readFully(body);
            return new Msg(type, body);
        }

        void send(char type, byte[] body) throws IOException {
            out.writeByte(type);
            out.writeInt(body.length + 4);
            out.write(body);
            out.flush();
        }

        void query(String sql) throws IOException {
            byte[] b = (sql + "\0").getBytes(StandardCharsets.UTF_8);
            send('Q', b);
        }

        /** Skips to the next ErrorResponse and returns its fields. */
        Map<Character, String> readError() throws IOException {
            Msg m = read();
            while (m.type != 'E') {
                m = read();
            }
            Map<Character, String> fields = new HashMap<>();
            int i = 0;
            while (i < m.body.length && m.body[i] != 0) {
                char f = (char) m.body[i++];
                int start = i;
                while (m.body[i] != 0) {
                    i++;
                }
                fields.put(f, new String(m.body, start, i - start, StandardCharsets.UTF_8));
                i++;
            }
            return fields;
        }

        /** True when the server closes the connection (EOF or reset), skipping any messages before it. */
        boolean readsEof() throws IOException {
            try {
                while (true) {
                    read();
                }
            } catch (EOFException | SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
