package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.PgServerError;
import org.walden.protocol.QueryResult;
import org.walden.wal.Lsn;

/** WalSender and WalReceiver over real sockets, with in-memory WAL on both sides. */
class StreamingLoopbackTest {

    static final long SYSID = 7710706162245624204L;
    static final long SEG = 1024 * 1024;
    static final Lsn BASE = Lsn.parse("0/1000000");

    static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static WalReceiver receiver(int port, MemoryWalSink sink, long statusIntervalMs, long timeoutMs, long retryMs,
                                String slot) {
        return new WalReceiver(new WalReceiver.Config("host=127.0.0.1 port=" + port + " user=postgres "
                + "application_name=standby1", slot, "", timeoutMs, statusIntervalMs, retryMs), sink,
                Clock.systemUTC());
    }

    static PgClient connect(int port) throws Exception {
        return PgClient.connect(ConnInfo.parse("host=127.0.0.1 port=" + port
                + " user=postgres replication=true application_name=t"));
    }

    @Test
    void walArrivesIdenticalAndRepliesUpdateTheView() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(300_000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 10_000, 60_000, 200, null);
            List<String> lines = new CopyOnWriteArrayList<>();
            rcv.setLogListener(lines::add);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("first batch", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
            assertThat(rcv.state()).isEqualTo(WalRcvState.STREAMING);
            assertThat(lines).contains("started streaming WAL from primary at 0/1000000 on timeline 1");
            Lsn end = wal.appendPattern(2_000_000);
            waitUntil("second batch", () -> rcv.lastReceiveLsn().equals(end));
            assertThat(sink.copy(BASE, (int) end.minus(BASE))).isEqualTo(wal.copy(BASE, (int) end.minus(BASE)));
            waitUntil("reply with flush", () -> {
                List<WalSenderStat> stats = server.ctx.registry().stats();
                return stats.size() == 1 && end.equals(stats.get(0).flushLsn());
            });
            WalSenderStat s = server.ctx.registry().stats().get(0);
            assertThat(s.applicationName()).isEqualTo("standby1");
            assertThat(s.userName()).isEqualTo("postgres");
            assertThat(s.state()).isEqualTo("streaming");
            assertThat(s.sentLsn()).isEqualTo(end);
            assertThat(s.writeLsn()).isEqualTo(end);
            assertThat(s.replayLsn()).isEqualTo(end);
            assertThat(s.syncState()).isEqualTo("async");
            assertThat(s.replyTime()).isNotNull();
            assertThat(s.clientAddr().isLoopbackAddress()).isTrue();
            rcv.setPid(77);
            WalReceiverStat r = rcv.stat();
            assertThat(r.pid()).isEqualTo(77);
            assertThat(r.status()).isEqualTo("streaming");
            assertThat(r.receiveStartLsn()).isEqualTo(BASE);
            assertThat(r.receiveStartTli()).isEqualTo(1);
            assertThat(r.writtenLsn()).isEqualTo(end);
            assertThat(r.flushedLsn()).isEqualTo(end);
            assertThat(r.receivedTli()).isEqualTo(1);
            assertThat(r.latestEndLsn()).isEqualTo(end);
            assertThat(r.lastMsgReceiptTime()).isNotNull();
            assertThat(r.slotName()).isNull();
            assertThat(r.senderHost()).isEqualTo("127.0.0.1");
            assertThat(r.senderPort()).isEqualTo(server.port());
            assertThat(r.conninfo()).contains("application_name=standby1", "replication=true");
            rcv.requestShutdown();
            t.join(5000);
            assertThat(rcv.state()).isEqualTo(WalRcvState.STOPPED);
            waitUntil("walsender gone", () -> server.ctx.registry().stats().isEmpty());
        }
    }

    @Test
    void theWritePositionIsReportedBeforeTheFsync() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        Lsn start = wal.appendPattern(10_000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 3_600_000, 3_600_000, 60_000, null);
            Thread t = Thread.ofVirtual().start(rcv);
            try {
                waitUntil("caught up", () -> {
                    List<WalSenderStat> stats = server.ctx.registry().stats();
                    return stats.size() == 1 && start.equals(stats.get(0).flushLsn());
                });
                java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
                sink.flushGate = gate;
                Lsn end = wal.appendPattern(50_000);
                // remote_write commits are released by this reply, before the standby's fsync ends
                waitUntil("write reported", () -> end.equals(server.ctx.registry().stats().get(0).writeLsn()));
                assertThat(server.ctx.registry().stats().get(0).flushLsn()).isEqualTo(start);
                sink.flushGate = null;
                gate.countDown();
                waitUntil("flush reported", () -> end.equals(server.ctx.registry().stats().get(0).flushLsn()));
            } finally {
                rcv.requestShutdown();
                t.join(5000);
            }
        }
    }

    @Test
    void replayProgressIsReportedWithoutNewWalOrTheStatusInterval() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        Lsn end = wal.appendPattern(100_000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            sink.setReplayed(BASE);
            // a status interval of an hour and no new WAL: the reply must come from the replay's
            // progress itself (forceReply makes it immediate: bench/compare-replication.sh, remote_apply)
            WalReceiver rcv = receiver(server.port(), sink, 3_600_000, 3_600_000, 60_000, null);
            Thread t = Thread.ofVirtual().start(rcv);
            try {
                waitUntil("flush reported", () -> {
                    List<WalSenderStat> stats = server.ctx.registry().stats();
                    return stats.size() == 1 && end.equals(stats.get(0).flushLsn());
                });
                assertThat(server.ctx.registry().stats().get(0).replayLsn()).isNotEqualTo(end);
                sink.setReplayed(end);
                rcv.forceReply();
                waitUntil("replay reported", () -> end.equals(server.ctx.registry().stats().get(0).replayLsn()));
            } finally {
                rcv.requestShutdown();
                t.join(5000);
            }
        }
    }

    @Test
    void lagsAreMeasuredWhileWalFlowsAndClearedWhenIdle() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(1000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 300, 60_000, 200, null);
            Thread t = Thread.ofVirtual().start(rcv);
            try {
                waitUntil("streaming", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
                Lsn end = wal.appendPattern(100_000);
                waitUntil("lags measured", () -> {
                    List<WalSenderStat> s = server.ctx.registry().stats();
                    return s.size() == 1 && end.equals(s.get(0).replayLsn()) && s.get(0).flushLagMicros() != null;
                });
                WalSenderStat s = server.ctx.registry().stats().get(0);
                assertThat(s.writeLagMicros()).isNotNull().isNotNegative();
                assertThat(s.replayLagMicros()).isNotNull().isLessThan(10_000_000L);
                waitUntil("lags cleared when idle", () -> server.ctx.registry().stats().get(0).replayLagMicros() == null);
                assertThat(server.ctx.registry().stats().get(0).writeLagMicros()).isNull();
            } finally {
                rcv.requestShutdown();
                t.join(5000);
            }
        }
    }

    @Test
    void receiverReconnectsAfterThePrimaryGoesAway() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(100_000);
        TestSettings settings = new TestSettings();
        TestReplicationServer server = new TestReplicationServer(wal, null, settings);
        int port = server.port();
        MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
        WalReceiver rcv = receiver(port, sink, 10_000, 60_000, 200, null);
        List<String> lines = new CopyOnWriteArrayList<>();
        rcv.setLogListener(lines::add);
        Thread t = Thread.ofVirtual().start(rcv);
        try {
            waitUntil("first batch", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
            server.close();
            waitUntil("connect failure logged",
                    () -> lines.stream().anyMatch(l -> l.startsWith("could not connect to the primary server: ")));
            assertThat(rcv.state()).isIn(WalRcvState.WAITING, WalRcvState.RESTARTING);
            Lsn end = wal.appendPattern(500_000);
            server = new TestReplicationServer(server.ctx, port);
            waitUntil("caught up after reconnect", () -> rcv.lastReceiveLsn().equals(end));
            assertThat(sink.copy(BASE, (int) end.minus(BASE))).isEqualTo(wal.copy(BASE, (int) end.minus(BASE)));
            assertThat(lines.stream().filter(l -> l.startsWith("started streaming WAL from primary")).count())
                    .isEqualTo(2);
        } finally {
            rcv.requestShutdown();
            t.join(5000);
            server.close();
        }
    }

    @Test
    void differentSystemIdentifierIsRefused() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            MemoryWalSink sink = new MemoryWalSink(42L, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 10_000, 60_000, 60_000, null);
            List<String> lines = new CopyOnWriteArrayList<>();
            rcv.setLogListener(lines::add);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("refusal", () -> !lines.isEmpty());
            assertThat(lines.get(0)).isEqualTo("FATAL:  database system identifier differs between the primary and "
                    + "standby  DETAIL:  The primary's identifier is 7710706162245624204, the standby's identifier "
                    + "is 42.");
            assertThat(rcv.state()).isEqualTo(WalRcvState.WAITING);
            rcv.requestShutdown();
            t.join(5000);
            assertThat(rcv.state()).isEqualTo(WalRcvState.STOPPED);
        }
    }

    @Test
    void keepaliveAtHalfTimeoutThenReplicationTimeout() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(1000);
        TestSettings settings = new TestSettings().with("wal_sender_timeout", "600");
        try (TestReplicationServer server = new TestReplicationServer(wal, null, settings);
             PgClient c = connect(server.port())) {
            c.startCopy("START_REPLICATION 0/1000000 TIMELINE 1");
            long t0 = System.nanoTime();
            var first = (PgClient.CopyEvent.Data) c.readCopyData(5000);
            assertThat(first.payload()[0]).isEqualTo((byte) 'w');
            var k = (PgClient.CopyEvent.Data) c.readCopyData(5000);
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            var keepalive = (StreamingMessages.PrimaryKeepalive) StreamingMessages.decode(k.payload());
            assertThat(keepalive.replyRequested()).isTrue();
            assertThat(keepalive.walEnd()).isEqualTo(wal.flushedLsn());
            assertThat(elapsedMs).isBetween(200L, 2000L);
            // stay silent: the walsender gives up after wal_sender_timeout and closes the connection
            assertThatThrownBy(() -> {
                while (true) {
                    c.readCopyData(5000);
                }
            }).isInstanceOf(java.io.IOException.class);
            waitUntil("walsender gone", () -> server.ctx.registry().stats().isEmpty());
        }
    }

    @Test
    void receiverPingsAnIdlePrimaryAndDoesNotTimeOut() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(1000);
        TestSettings settings = new TestSettings().with("wal_sender_timeout", "0");
        try (TestReplicationServer server = new TestReplicationServer(wal, null, settings)) {
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 0, 1000, 100, null);
            List<String> lines = new CopyOnWriteArrayList<>();
            rcv.setLogListener(lines::add);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("streaming", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
            Thread.sleep(2500);
            assertThat(lines).noneMatch(l -> l.contains("timeout"));
            assertThat(lines).hasSize(1);
            rcv.requestShutdown();
            t.join(5000);
        }
    }

    @Test
    void commandsAnswerAsPostgreSqlDoes() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(0x60);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings());
             PgClient c = connect(server.port())) {
            QueryResult id = c.simpleQuery("IDENTIFY_SYSTEM");
            assertThat(id.columnNames()).containsExactly("systemid", "timeline", "xlogpos", "dbname");
            assertThat(id.rows().get(0)).containsExactly("7710706162245624204", "1", "0/1000060", null);
            assertThat(id.commandTag()).isEqualTo("IDENTIFY_SYSTEM");
            assertThat(id.fields().get(1).typeOid()).isEqualTo(23);
            QueryResult mode = c.simpleQuery("SHOW data_directory_mode");
            assertThat(mode.columnNames()).containsExactly("data_directory_mode");
            assertThat(mode.rows().get(0)).containsExactly("0700");
            assertThat(mode.commandTag()).isEqualTo("SHOW");
            assertThat(c.simpleQuery("SHOW wal_segment_size").rows().get(0)).containsExactly("1MB");
            assertThatThrownBy(() -> c.simpleQuery("SHOW no_such_thing")).isInstanceOfSatisfying(PgServerError.class,
                    e -> assertThat(e.code()).isEqualTo("42704"));
            assertThatThrownBy(() -> c.simpleQuery("SELECT 1")).isInstanceOfSatisfying(PgServerError.class, e -> {
                assertThat(e.code()).isEqualTo("0A000");
                assertThat(e).hasMessage("cannot execute SQL commands in WAL sender for physical replication");
            });
            assertThatThrownBy(() -> c.simpleQuery("START_REPLICATION SLOT")).isInstanceOfSatisfying(
                    PgServerError.class, e -> assertThat(e.code()).isEqualTo("42601"));
            assertThatThrownBy(() -> c.startCopy("START_REPLICATION 0/5000000 TIMELINE 1")).hasMessage(
                    "requested starting point 0/5000000 is ahead of the WAL flush position of this server 0/1000060");
            QueryResult slot = c.simpleQuery("CREATE_REPLICATION_SLOT \"rs1\" PHYSICAL");
            assertThat(slot.columnNames()).containsExactly("slot_name", "consistent_point", "snapshot_name",
                    "output_plugin");
            assertThat(slot.rows().get(0)).containsExactly("rs1", "0/0", null, null);
            assertThatThrownBy(() -> c.simpleQuery("CREATE_REPLICATION_SLOT rs1 PHYSICAL")).isInstanceOfSatisfying(
                    PgServerError.class, e -> {
                        assertThat(e.code()).isEqualTo("42710");
                        assertThat(e).hasMessage("replication slot \"rs1\" already exists");
                    });
            QueryResult read = c.simpleQuery("READ_REPLICATION_SLOT rs1");
            assertThat(read.columnNames()).containsExactly("slot_type", "restart_lsn", "restart_tli");
            assertThat(read.rows().get(0)).containsExactly("physical", null, null);
            assertThat(c.simpleQuery("READ_REPLICATION_SLOT nope").rows().get(0)).containsExactly(null, null, null);
            c.simpleQuery("CREATE_REPLICATION_SLOT r2 TEMPORARY PHYSICAL (RESERVE_WAL)");
            assertThat(c.simpleQuery("READ_REPLICATION_SLOT r2").rows().get(0))
                    .containsExactly("physical", "0/1000000", "1");
            assertThat(server.ctx.slots().minimumLsnToKeep()).isEqualTo(BASE);
            assertThat(c.simpleQuery("DROP_REPLICATION_SLOT rs1").commandTag()).isEqualTo("DROP_REPLICATION_SLOT");
            assertThatThrownBy(() -> c.simpleQuery("DROP_REPLICATION_SLOT rs1")).isInstanceOfSatisfying(
                    PgServerError.class, e -> assertThat(e.code()).isEqualTo("42704"));
            // a streaming round trip ended by the client, as pg_receivewal ends it
            c.startCopy("START_REPLICATION SLOT r2 0/1000000 TIMELINE 1");
            var w = (PgClient.CopyEvent.Data) c.readCopyData(5000);
            assertThat(w.payload()).hasSize(25 + 0x60);
            List<QueryResult> after = c.finishCopy();
            assertThat(after).extracting(QueryResult::commandTag).containsExactly("START_STREAMING",
                    "START_REPLICATION");
            assertThat(c.simpleQuery("IDENTIFY_SYSTEM").rows()).hasSize(1);
            assertThat(server.ctx.slots().read("r2")).isNotNull();
            c.close();
            // the temporary slot dies with its session
            waitUntil("temporary slot dropped", () -> server.ctx.slots().read("r2") == null);
        }
    }

    @Test
    void maxWalSendersIsEnforced() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        TestSettings settings = new TestSettings().with("max_wal_senders", "1");
        try (TestReplicationServer server = new TestReplicationServer(wal, null, settings);
             PgClient first = connect(server.port())) {
            first.simpleQuery("IDENTIFY_SYSTEM");
            assertThatThrownBy(() -> connect(server.port())).isInstanceOfSatisfying(PgServerError.class, e -> {
                assertThat(e.code()).isEqualTo("53300");
                assertThat(e).hasMessage("number of requested standby connections exceeds max_wal_senders "
                        + "(currently 1)");
            });
        }
    }

    @Test
    void historicTimelineEndsWithNextTimelineResult() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(0x2000);
        wal.setTimeline(new org.walden.wal.TimelineId(2), "1\t0/1000EA0\tno recovery target specified\n");
        MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings());
             PgClient c = connect(server.port())) {
            QueryResult h = c.simpleQuery("TIMELINE_HISTORY 2");
            assertThat(h.rows().get(0)).containsExactly("00000002.history",
                    "1\t0/1000EA0\tno recovery target specified\n");
            c.startCopy("START_REPLICATION 0/1000000 TIMELINE 1");
            var w = (PgClient.CopyEvent.Data) c.readCopyData(5000);
            var x = (StreamingMessages.XLogData) StreamingMessages.decode(w.payload());
            assertThat(x.length()).isEqualTo(0xEA0);
            assertThat(x.walEnd()).isEqualTo(Lsn.parse("0/1000EA0"));
            assertThat(c.readCopyData(5000)).isInstanceOf(PgClient.CopyEvent.Done.class);
            List<QueryResult> after = c.finishCopy();
            assertThat(after).extracting(QueryResult::commandTag).containsExactly("SELECT", "START_STREAMING",
                    "START_REPLICATION");
            assertThat(after.get(0).columnNames()).containsExactly("next_tli", "next_tli_startpos");
            assertThat(after.get(0).rows().get(0)).containsExactly("2", "0/1000EA0");
            assertThatThrownBy(() -> c.startCopy("START_REPLICATION 0/1001000 TIMELINE 1")).isInstanceOfSatisfying(
                    PgServerError.class, e -> {
                        assertThat(e).hasMessage("requested starting point 0/1001000 on timeline 1 is not in this "
                                + "server's history");
                        assertThat(e.fields().get('D')).isEqualTo(
                                "This server's history forked from timeline 1 at 0/1000EA0.");
                    });
        }
        // a walreceiver stops at the switch and waits: only the startup process moves it on
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings())) {
            WalReceiver rcv = receiver(server.port(), sink, 10_000, 60_000, 200, null);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("timeline 1 received to its end", () -> rcv.state() == WalRcvState.WAITING
                    && rcv.lastReceiveLsn().equals(Lsn.parse("0/1000EA0")));
            assertThat(sink.histories).containsKey(2);
            Thread.sleep(300);
            assertThat(rcv.receivingTimeline().value()).as("still on timeline 1").isEqualTo(1);
            sink.requests.request(Lsn.parse("0/1000EA0"), new org.walden.wal.TimelineId(2));
            waitUntil("caught up on timeline 2", () -> rcv.lastReceiveLsn().equals(wal.flushedLsn()));
            assertThat(rcv.receivingTimeline().value()).isEqualTo(2);
            rcv.requestShutdown();
            t.join(5000);
        }
    }

    @Test
    void shutdownEndsStreamingWithCopyDone() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(5000);
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings());
             PgClient c = connect(server.port())) {
            c.startCopy("START_REPLICATION 0/1000000 TIMELINE 1");
            assertThat(c.readCopyData(5000)).isInstanceOf(PgClient.CopyEvent.Data.class);
            waitUntil("streaming", () -> server.ctx.registry().entries().size() == 1
                    && server.ctx.registry().entries().get(0).state() == WalSndState.STREAMING);
            server.senders.get(0).requestShutdown();
            // WalSndDone: the walsender asks for a reply and ends COPY only once the standby has
            // written everything it was sent
            PgClient.CopyEvent ev;
            boolean replied = false;
            do {
                ev = c.readCopyData(5000);
                if (ev instanceof PgClient.CopyEvent.Data d
                        && StreamingMessages.decode(d.payload()) instanceof StreamingMessages.PrimaryKeepalive k
                        && k.replyRequested()) {
                    assertThat(k.walEnd()).isEqualTo(wal.flushedLsn());
                    c.sendCopyData(new StreamingMessages.StandbyStatusUpdate(k.walEnd(), k.walEnd(), Lsn.INVALID,
                            0, false).encode());
                    c.flush();
                    replied = true;
                }
            } while (ev instanceof PgClient.CopyEvent.Data);
            assertThat(replied).isTrue();
            assertThat(ev).isInstanceOf(PgClient.CopyEvent.Done.class);
            // the walsender exits after the shutdown, as PostgreSQL's does: no ReadyForQuery follows
            assertThatThrownBy(c::finishCopy).isInstanceOf(java.io.IOException.class);
            waitUntil("walsender gone", () -> server.ctx.registry().entries().isEmpty());
        }
    }

    @Test
    void removedWalIsAnErrorAndTheSessionGoesOn() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern((int) (2 * SEG));
        wal.removeBefore(Lsn.parse("0/1100000"));
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings());
             PgClient c = connect(server.port())) {
            c.startCopy("START_REPLICATION 0/1000000 TIMELINE 1");
            assertThatThrownBy(() -> c.readCopyData(5000)).isInstanceOfSatisfying(PgServerError.class, e -> {
                assertThat(e).hasMessage("requested WAL segment 000000010000000000000010 has already been removed");
                assertThat(e.code()).isEqualTo("58P01");
            });
            assertThat(c.simpleQuery("IDENTIFY_SYSTEM").rows()).hasSize(1);
            assertThat(server.ctx.registry().entries().get(0).state()).isEqualTo(WalSndState.STARTUP);
            c.startCopy("START_REPLICATION 0/1100000 TIMELINE 1");
            var w = (StreamingMessages.XLogData) StreamingMessages.decode(
                    ((PgClient.CopyEvent.Data) c.readCopyData(5000)).payload());
            assertThat(w.dataStart()).isEqualTo(Lsn.parse("0/1100000"));
            assertThat(c.finishCopy()).extracting(QueryResult::commandTag)
                    .containsExactly("START_STREAMING", "START_REPLICATION");
            // a walreceiver that needs the removed segment says so, and keeps retrying
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(server.port(), sink, 10_000, 60_000, 100, null);
            List<String> lines = new CopyOnWriteArrayList<>();
            rcv.setLogListener(lines::add);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("error logged", () -> lines.size() >= 2);
            assertThat(lines.get(1)).isEqualTo("could not receive data from WAL stream: ERROR:  requested WAL segment "
                    + "000000010000000000000010 has already been removed");
            rcv.requestShutdown();
            t.join(5000);
        }
    }

    @Test
    void anIoErrorWhileStreamingIsReportedAndTheSessionGoesOn() throws Exception {
        MemoryWalSource wal = new MemoryWalSource(SYSID, SEG, BASE);
        wal.appendPattern(1000);
        wal.readFailure = new java.io.UncheckedIOException(new java.io.IOException("Input/output error"));
        try (TestReplicationServer server = new TestReplicationServer(wal, null, new TestSettings());
             PgClient c = connect(server.port())) {
            c.startCopy("START_REPLICATION 0/1000000 TIMELINE 1");
            assertThatThrownBy(() -> c.readCopyData(5000)).isInstanceOfSatisfying(PgServerError.class,
                    e -> assertThat(e.code()).isEqualTo("58030"));
            wal.readFailure = null;
            assertThat(c.simpleQuery("IDENTIFY_SYSTEM").rows()).hasSize(1);
        }
    }

    /** A primary that starts streaming and then never says anything again. */
    @Test
    void receiverGivesUpOnASilentPrimaryAndRetries() throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!ss.isClosed()) {
                    try {
                        java.net.Socket sock = ss.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> silentPrimary(sock));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            MemoryWalSink sink = new MemoryWalSink(SYSID, SEG, BASE);
            WalReceiver rcv = receiver(ss.getLocalPort(), sink, 0, 600, 100, null);
            List<String> lines = new CopyOnWriteArrayList<>();
            rcv.setLogListener(lines::add);
            Thread t = Thread.ofVirtual().start(rcv);
            waitUntil("timeout logged twice", () -> lines.stream()
                    .filter(l -> l.equals("could not receive data from WAL stream: terminating walreceiver due to "
                            + "timeout")).count() >= 2);
            assertThat(connections.get()).isGreaterThanOrEqualTo(2);
            rcv.requestShutdown();
            t.join(5000);
            assertThat(rcv.state()).isEqualTo(WalRcvState.STOPPED);
        }
    }

    private static void silentPrimary(java.net.Socket sock) {
        try (sock) {
            var in = new java.io.DataInputStream(sock.getInputStream());
            var out = new java.io.BufferedOutputStream(sock.getOutputStream());
            PgWire.Writer w = new PgWire.Writer(out);
            int len = in.readInt();
            int code = in.readInt();
            in.readFully(new byte[len - 8]);
            if (code == org.walden.protocol.PgProtocol.SSL_REQUEST_CODE) { // as a server without TLS: 'N'
                out.write('N');
                out.flush();
                len = in.readInt();
                in.readFully(new byte[len - 4]);
            }
            w.message('R', new PgWire.Body().int32(0).bytes());
            w.message('S', new PgWire.Body().cstring("integer_datetimes").cstring("on").bytes());
            w.message('K', new PgWire.Body().int32(1).int32(2).bytes());
            w.readyForQuery();
            w.flush();
            while (true) {
                PgWire.Message m = PgWire.readMessage(in);
                if (m == null || m.type() == 'X') {
                    return;
                }
                if (m.type() != 'Q') {
                    continue; // replies go unanswered
                }
                if (m.cstring().startsWith("IDENTIFY_SYSTEM")) {
                    w.rowDescription(List.of(new PgWire.Column("systemid", PgWire.TEXT),
                            new PgWire.Column("timeline", PgWire.INT4), new PgWire.Column("xlogpos", PgWire.TEXT),
                            new PgWire.Column("dbname", PgWire.TEXT)));
                    w.dataRow(Long.toString(SYSID), "1", "0/1000000", null);
                    w.commandComplete("IDENTIFY_SYSTEM");
                    w.readyForQuery();
                } else {
                    w.copyResponse('W');
                }
                w.flush();
            }
        } catch (java.io.IOException e) {
            // the walreceiver hung up
        }
    }
}
