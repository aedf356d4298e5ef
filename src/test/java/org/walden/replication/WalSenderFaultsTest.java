package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.protocol.PgClient;
import org.walden.test.RawPgClient;

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
             RawPgClient r = RawPgClient.replication(server.port())) {
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
             RawPgClient r = RawPgClient.replication(server.port())) {
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
            try (RawPgClient r = RawPgClient.replication(server.port())) {
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
             RawPgClient r = RawPgClient.replication(server.port())) {
            r.send('d', new byte[] {'r', 1, 2, 3});
            r.send('c', new byte[0]);
            r.query("IDENTIFY_SYSTEM");
            char first = r.read().type();
            assertThat(first).isEqualTo('T');
        }
    }

    @Test
    void anOversizedReplyWhileStreamingEndsTheStream() throws Exception {
        try (TestReplicationServer server = new TestReplicationServer(wal(), null, new TestSettings());
             RawPgClient r = RawPgClient.replication(server.port())) {
            r.query("START_REPLICATION PHYSICAL " + StreamingLoopbackTest.BASE);
            char type;
            do {
                type = r.read().type();
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
}
