package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.walden.replication.StreamingLoopbackTest.BASE;
import static org.walden.replication.StreamingLoopbackTest.SEG;
import static org.walden.replication.StreamingLoopbackTest.SYSID;
import static org.walden.replication.StreamingLoopbackTest.waitUntil;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * hot_standby_feedback: with it on the walreceiver follows its replies with 'h' messages and
 * the walsender keeps their xmin in its registry entry (pg_stat_replication.backend_xmin); a new xmin is sent when it
 * moves; turning it off sends an invalid xmin, which clears the column. Off from the start,
 * no 'h' is sent.
 */
class HotStandbyFeedbackTest {

    @Test
    void feedbackXminIsShownAsBackendXminAndClearedWhenTurnedOff() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(100_000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = StreamingLoopbackTest.receiver(server.port(), sink, 100, 60_000, 200, null);
            AtomicBoolean on = new AtomicBoolean(true);
            AtomicInteger xmin = new AtomicInteger(741);
            rcv.setHotStandbyFeedback(on::get, xmin::get);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("xmin 741 shown", () -> server.ctx.registry().entries().size() == 1
                    && Long.valueOf(741).equals(server.ctx.registry().entries().get(0).backendXmin()));

            xmin.set(900);
            wal.appendPattern(50_000); // a reply follows the new WAL, and the new xmin with it
            waitUntil("xmin 900 shown",
                    () -> Long.valueOf(900).equals(server.ctx.registry().entries().get(0).backendXmin()));

            on.set(false);
            wal.appendPattern(50_000);
            waitUntil("xmin cleared", () -> server.ctx.registry().entries().get(0).backendXmin() == null);
            rcv.requestShutdown();
            t.join(5000);
        }
    }

    @Test
    void noFeedbackWhenOff() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(100_000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = StreamingLoopbackTest.receiver(server.port(), sink, 100, 60_000, 200, null);
            rcv.setHotStandbyFeedback(() -> false, () -> 555);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("streamed", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
            waitUntil("reply", () -> server.ctx.registry().stats().size() == 1
                    && wal.flushedLsn().equals(server.ctx.registry().stats().get(0).flushLsn()));
            Thread.sleep(300);
            assertThat(server.ctx.registry().entries().get(0).backendXmin()).isNull();
            rcv.requestShutdown();
            t.join(5000);
        }
    }
}
