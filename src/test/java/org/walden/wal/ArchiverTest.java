package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiverTest {

    private static final long SEG = 1024 * 1024;
    private static final TimelineId TLI1 = new TimelineId(1);

    @TempDir
    Path dataDir;
    @TempDir
    Path archiveDir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-21T20:00:00Z");

        void advanceMs(long ms) {
            now = now.plusMillis(ms);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private Archiver archiver(String command, long timeoutMs, Clock clock, Archiver.SegmentSwitcher switcher)
            throws Exception {
        Files.createDirectories(dataDir.resolve("pg_wal"));
        return new Archiver(dataDir, SEG, new Archiver.Config(command, timeoutMs, 5, 20, 10_000), clock, switcher);
    }

    private Path segment(long segNo) throws Exception {
        Path p = dataDir.resolve("pg_wal").resolve(WalSegments.fileName(TLI1, segNo, SEG));
        Files.writeString(p, "segment " + segNo);
        return p;
    }

    @Test
    void substitutesPathFileNameRestartPointAndPercent() {
        assertThat(Archiver.substitute("cp %p /arch/%f && echo 100%% %x", "pg_wal/0001", "0001"))
                .isEqualTo("cp pg_wal/0001 /arch/0001 && echo 100% %x");
        assertThat(Archiver.substitute("restore %f %p %r", "pg_wal/RECOVERYXLOG", "0002", "0001"))
                .isEqualTo("restore 0002 pg_wal/RECOVERYXLOG 0001");
        assertThat(Archiver.substitute("trailing %", "p", "f")).isEqualTo("trailing %");
    }

    @Test
    void readyBecomesDoneAfterTheCommandSucceeds() throws Exception {
        Archiver a = archiver("cp %p " + archiveDir + "/%f", 0, Clock.systemUTC(), null);
        segment(1);
        a.notifySegmentFinished(TLI1, 1);
        String name = WalSegments.fileName(TLI1, 1, SEG);
        Path status = dataDir.resolve("pg_wal/archive_status");
        assertThat(status.resolve(name + ".ready")).exists();
        assertThat(a.minKeepLsn()).isEqualTo(WalSegments.segmentStart(1, SEG));

        assertThat(a.archiveAllReady()).isTrue();

        assertThat(status.resolve(name + ".ready")).doesNotExist();
        assertThat(status.resolve(name + ".done")).exists();
        assertThat(archiveDir.resolve(name)).hasContent("segment 1");
        assertThat(a.minKeepLsn()).isEqualTo(Lsn.INVALID);
        Archiver.Stats s = a.stats();
        assertThat(s.archivedCount()).isEqualTo(1);
        assertThat(s.lastArchivedWal()).isEqualTo(name);
        assertThat(s.failedCount()).isZero();
    }

    @Test
    void aFailingCommandIsRetriedThreeTimesAndLeavesReady() throws Exception {
        Path counter = archiveDir.resolve("attempts");
        Archiver a = archiver("echo x >> " + counter + "; exit 1", 0, Clock.systemUTC(), null);
        segment(2);
        segment(3);
        a.notifySegmentFinished(TLI1, 2);
        a.notifySegmentFinished(TLI1, 3);

        assertThat(a.archiveAllReady()).isFalse();

        assertThat(Files.readAllLines(counter)).hasSize(Archiver.NUM_ARCHIVE_RETRIES);
        String name = WalSegments.fileName(TLI1, 2, SEG);
        assertThat(dataDir.resolve("pg_wal/archive_status/" + name + ".ready")).exists();
        Archiver.Stats s = a.stats();
        assertThat(s.failedCount()).isEqualTo(3);
        assertThat(s.lastFailedWal()).isEqualTo(name);
        assertThat(s.archivedCount()).isZero();
        // the oldest unarchived segment holds removal back
        assertThat(a.minKeepLsn()).isEqualTo(WalSegments.segmentStart(2, SEG));
    }

    @Test
    void historyFilesGoFirstThenSegmentsInWalOrder() throws Exception {
        Archiver a = archiver("true", 0, Clock.systemUTC(), null);
        a.notifyReady(WalSegments.fileName(TLI1, 5, SEG));
        a.notifyReady(WalSegments.fileName(new TimelineId(2), 4, SEG));
        a.notifyReady("00000002.history");
        assertThat(a.readyFiles()).containsExactly("00000002.history",
                WalSegments.fileName(new TimelineId(2), 4, SEG), WalSegments.fileName(TLI1, 5, SEG));
    }

    @Test
    void theThreadArchivesWhatIsNotifiedAndStopsOnRequest() throws Exception {
        Archiver a = archiver("cp %p " + archiveDir + "/%f", 0, Clock.systemUTC(), null);
        Thread t = Thread.ofPlatform().name("archiver").start(a);
        segment(7);
        a.notifySegmentFinished(TLI1, 7);
        long deadline = System.currentTimeMillis() + 10_000;
        while (a.stats().archivedCount() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(a.stats().archivedCount()).isEqualTo(1);
        a.requestShutdown();
        t.join(5_000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void archiveTimeoutSwitchesOnlyWhenWalWasWritten() throws Exception {
        ManualClock clock = new ManualClock();
        List<Lsn> switches = new ArrayList<>();
        Lsn[] insert = {WalSegments.segmentStart(1, SEG)};
        Archiver a = archiver("true", 1_000, clock, new Archiver.SegmentSwitcher() {
            @Override
            public Lsn insertPosition() {
                return insert[0];
            }

            @Override
            public Lsn switchSegment() {
                switches.add(insert[0]);
                return insert[0];
            }
        });
        clock.advanceMs(2_000);
        a.checkArchiveTimeout();
        assertThat(switches).as("no WAL written: at a segment start").isEmpty();

        insert[0] = insert[0].plus(100);
        clock.advanceMs(500);
        a.checkArchiveTimeout();
        assertThat(switches).as("not long enough since the last check").isEmpty();
        clock.advanceMs(1_000);
        a.checkArchiveTimeout();
        assertThat(switches).containsExactly(insert[0]);
    }

    @Test
    void theWalReportsFinishedSegmentsToTheArchiverAndRemovalWaitsForDone() throws Exception {
        Path walDir = dataDir.resolve("pg_wal");
        Files.createDirectories(walDir);
        Wal wal = new Wal(walDir, SEG, TLI1, WalSegments.segmentStart(1, SEG), Lsn.INVALID,
                new Wal.Options(false, 64 * 1024, 0, 0));
        Archiver a = new Archiver(dataDir, SEG, new Archiver.Config("exit 3", 0, 1, 20, 10_000),
                Clock.systemUTC(), null);
        wal.setSegmentFinishedListener(segNo -> a.notifySegmentFinished(wal.timeline(), segNo));
        wal.setMinKeepLsnSupplier(a::minKeepLsn);
        wal.insert(XactRecords.switchRecord());
        wal.flushAll();
        wal.switchSegment();
        String first = WalSegments.fileName(TLI1, 1, SEG);
        assertThat(walDir.resolve("archive_status/" + first + ".ready")).exists();

        assertThat(a.archiveAllReady()).isFalse();
        assertThat(wal.removeOldSegments(WalSegments.segmentStart(3, SEG))).isZero();
        assertThat(walDir.resolve(first)).exists();

        a.setConfig(new Archiver.Config("true", 0, 1, 20, 10_000));
        assertThat(a.archiveAllReady()).isTrue();
        assertThat(wal.removeOldSegments(WalSegments.segmentStart(3, SEG))).isEqualTo(1);
        assertThat(walDir.resolve(first)).doesNotExist();
        wal.close(true);
    }

    @Test
    void aFixedCommandAfterFailedRoundsIsPickedUpWithoutTheLongWait() throws Exception {
        Files.createDirectories(dataDir.resolve("pg_wal"));
        // the wait after a failed round is a minute: only a wakeup from setConfig can finish in time
        Archiver a = new Archiver(dataDir, SEG, new Archiver.Config("exit 1", 0, 50, 60_000, 10_000),
                Clock.systemUTC(), null);
        segment(9);
        a.notifySegmentFinished(TLI1, 9);
        Thread t = Thread.ofPlatform().name("archiver").start(a);
        long deadline = System.currentTimeMillis() + 10_000;
        while (a.stats().failedCount() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        a.setConfig(new Archiver.Config("cp %p " + archiveDir + "/%f", 0, 50, 60_000, 10_000));
        while (a.stats().archivedCount() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(a.stats().archivedCount()).isEqualTo(1);
        assertThat(archiveDir.resolve(WalSegments.fileName(TLI1, 9, SEG))).exists();
        a.requestShutdown();
        t.join(5_000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aStandbysReceivedSegmentsAreReportedOnceFlushedToTheirEnd() throws Exception {
        Path walDir = dataDir.resolve("pg_wal");
        Files.createDirectories(walDir);
        WalReceiverWriter w = new WalReceiverWriter(walDir, SEG, TLI1, WalSegments.segmentStart(1, SEG), false);
        List<Long> finished = new ArrayList<>();
        w.setSegmentFinishedListener(finished::add);
        byte[] chunk = new byte[(int) (SEG / 2)];
        w.write(WalSegments.segmentStart(1, SEG), chunk, 0, chunk.length);
        w.flush();
        assertThat(finished).isEmpty();
        w.write(WalSegments.segmentStart(1, SEG).plus(SEG / 2), chunk, 0, chunk.length);
        w.write(WalSegments.segmentStart(2, SEG), chunk, 0, 10);
        assertThat(finished).as("written, not flushed yet").isEmpty();
        w.flush();
        assertThat(finished).containsExactly(1L);
        w.close();
    }

    @Test
    void aShutdownArchivesWhatIsStillReadyOnceAndStopsAtAFailure() throws Exception {
        Archiver a = archiver("cp %p " + archiveDir + "/%f", 0, Clock.systemUTC(), null);
        segment(11);
        a.notifySegmentFinished(TLI1, 11);
        a.finalPass();
        assertThat(archiveDir.resolve(WalSegments.fileName(TLI1, 11, SEG))).exists();

        a.setConfig(new Archiver.Config("exit 1", 0, 5, 20, 10_000));
        segment(12);
        segment(13);
        a.notifySegmentFinished(TLI1, 12);
        a.notifySegmentFinished(TLI1, 13);
        a.finalPass();
        assertThat(a.stats().failedCount()).as("one attempt, then stop").isEqualTo(1);
        assertThat(a.readyFiles()).hasSize(2);
    }
}
