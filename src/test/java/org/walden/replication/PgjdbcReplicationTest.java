package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.walden.wal.Lsn;

/** pgjdbc 42.7's physical replication API against a WalSender (the jrepl capture's conversation). */
class PgjdbcReplicationTest {

    @Test
    void pgjdbcCreatesASlotStreamsAndDropsIt() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(7710706162245624204L, 1 << 20, Lsn.parse("0/7000000"));
        wal.appendPattern(0x26708);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            Properties props = new Properties();
            PGProperty.USER.set(props, "postgres");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
            PGProperty.REPLICATION.set(props, "database");
            PGProperty.PREFER_QUERY_MODE.set(props, "simple");
            props.setProperty("replication", "true");
            try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                    + "/postgres", props)) {
                PGConnection pg = conn.unwrap(PGConnection.class);
                pg.getReplicationAPI().createReplicationSlot().physical().withSlotName("jslot").make();
                assertThat(server.ctx.slots().read("jslot")).isNotNull();
                Lsn start = wal.flushedLsn();
                Lsn end = wal.appendPattern(5000);
                try (PGReplicationStream stream = pg.getReplicationAPI().replicationStream().physical()
                        .withSlotName("jslot").withStartPosition(LogSequenceNumber.valueOf(start.value()))
                        .withStatusInterval(1, TimeUnit.SECONDS).start()) {
                    ByteBuffer received = ByteBuffer.allocate(5000);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (received.hasRemaining() && System.nanoTime() < deadline) {
                        ByteBuffer b = stream.readPending();
                        if (b == null) {
                            Thread.sleep(10);
                            continue;
                        }
                        received.put(b.array(), b.arrayOffset() + b.position(), b.remaining());
                    }
                    assertThat(received.array()).isEqualTo(wal.copy(start, 5000));
                    stream.setFlushedLSN(LogSequenceNumber.valueOf(end.value()));
                    stream.setAppliedLSN(LogSequenceNumber.valueOf(end.value()));
                    stream.forceUpdateStatus();
                    StreamingLoopbackTest.waitUntil("slot advanced",
                            () -> end.equals(server.ctx.slots().read("jslot").restartLsn()));
                }
                pg.getReplicationAPI().dropReplicationSlot("jslot");
                assertThat(server.ctx.slots().read("jslot")).isNull();
            }
        }
    }
}
