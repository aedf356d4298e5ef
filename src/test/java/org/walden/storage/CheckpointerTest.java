package org.walden.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.Wal;
import org.walden.wal.XactRecords;

class CheckpointerTest {

    static final long SEG = 1L << 20;

    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_800_000_000_000L);

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
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void checkpointTimeoutFollowsTheInjectedClockAndIdleCheckpointsAreSkipped() throws Exception {
        ManualClock clock = new ManualClock();
        Lsn start = new Lsn(SEG);
        ControlFile cf = newPrimaryControlFile(start, clock);
        try (Store store = Store.open(dir.resolve("base"))) {
            Wal wal = new Wal(dir.resolve("pg_wal"), SEG, TimelineId.FIRST, start, Lsn.INVALID,
                    new Wal.Options(false, 1 << 16, 0, 0));
            Checkpointer cp = new Checkpointer(new Checkpointer.Config(store, cf, dir.resolve("pg_wal"), SEG, clock,
                    50, 1L << 30, 0, 0));
            cp.setPrimary(wal, wal::insertPosition, () -> 7);
            cp.start();
            wal.insert(XactRecords.noop());
            Thread.sleep(200);
            assertThat(cp.checkpointsDone()).as("the clock has not moved").isZero();

            clock.millis.addAndGet(60);
            waitFor(() -> cp.checkpointsDone() == 1);
            ControlFile.Data d = cf.get();
            assertThat(d.nextXid()).isEqualTo(7);
            assertThat(d.redo()).isEqualTo(new Lsn(SEG + 24)); // after the NOOP record
            assertThat(d.checkPointTimeEpochSeconds()).isEqualTo(clock.instant().getEpochSecond());

            clock.millis.addAndGet(60); // nothing written since: skipped
            Thread.sleep(200);
            assertThat(cp.checkpointsDone()).isEqualTo(1);

            cp.requestCheckpoint(); // the CHECKPOINT command always runs
            assertThat(cp.checkpointsDone()).isEqualTo(2);
            cp.shutdown();
            assertThat(cf.get().state()).isEqualTo(DbState.SHUTDOWNED);
            wal.close(true);
        }
    }

    /** A SlotRetention that records what the checkpointer asked. */
    static final class FakeSlots implements SlotRetention {
        volatile Lsn restartLsn;
        final long maxSlotWalKeepSizeBytes;
        volatile Lsn invalidatedBefore;
        volatile int saves;

        FakeSlots(Lsn restartLsn, long maxSlotWalKeepSizeBytes) {
            this.restartLsn = restartLsn;
            this.maxSlotWalKeepSizeBytes = maxSlotWalKeepSizeBytes;
        }

        @Override
        public Lsn replicationSlotMinimumLsn() {
            return restartLsn;
        }

        @Override
        public long maxSlotWalKeepSizeBytes() {
            return maxSlotWalKeepSizeBytes;
        }

        @Override
        public boolean invalidateObsoleteReplicationSlots(Lsn oldestLsnToKeep) {
            if (restartLsn.isValid() && restartLsn.isBefore(oldestLsnToKeep)) {
                invalidatedBefore = oldestLsnToKeep;
                restartLsn = Lsn.INVALID;
                return true;
            }
            return false;
        }

        @Override
        public void checkPointReplicationSlots() {
            saves++;
        }
    }

    private long[] segmentsOnDisk() {
        return org.walden.wal.WalSegments.list(dir.resolve("pg_wal")).stream()
                .mapToLong(p -> org.walden.wal.WalSegments.segmentNo(p.getFileName().toString(), SEG)).sorted()
                .toArray();
    }

    /** pg_wal and a pg_control of a primary in production whose redo and checkpoint are at {@code start}. */
    private ControlFile newPrimaryControlFile(Lsn start, ManualClock clock) throws java.io.IOException {
        Files.createDirectories(dir.resolve("pg_wal"));
        return ControlFile.create(dir, new ControlFile.Data(1, DbState.IN_PRODUCTION, 0, start, start,
                TimelineId.FIRST, TimelineId.FIRST, 3, 0, Lsn.INVALID, TimelineId.FIRST, Lsn.INVALID, Lsn.INVALID,
                false, SEG), clock);
    }

    /** Another hold (a running base backup) the test may set; never capped by max_slot_wal_keep_size. */
    private Lsn backupHold = Lsn.INVALID;

    /** A primary whose WAL runs from segment 1 into segment 8, and a checkpointer over it with {@code slots}. */
    private void checkpointWithSlots(FakeSlots slots, java.util.function.Consumer<long[]> check) throws Exception {
        ManualClock clock = new ManualClock();
        Lsn start = new Lsn(SEG);
        ControlFile cf = newPrimaryControlFile(start, clock);
        try (Store store = Store.open(dir.resolve("base"))) {
            Wal wal = new Wal(dir.resolve("pg_wal"), SEG, TimelineId.FIRST, start, Lsn.INVALID,
                    new Wal.Options(false, 1 << 16, 0, 0));
            Checkpointer cp = new Checkpointer(new Checkpointer.Config(store, cf, dir.resolve("pg_wal"), SEG, clock,
                    3_600_000, 1L << 30, 0, 0));
            cp.setPrimary(wal, wal::insertPosition, () -> 7);
            cp.setSlotRetention(slots);
            cp.setMinKeepLsnSupplier(() -> slots.restartLsn.isValid() ? slots.restartLsn : backupHold);
            for (int i = 0; i < 7; i++) {
                wal.insert(XactRecords.noop());
                wal.switchSegment();
            }
            wal.insert(XactRecords.noop());
            wal.flushAll();
            assertThat(segmentsOnDisk()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            cp.performCheckpoint(Checkpointer.Kind.REQUESTED);
            check.accept(segmentsOnDisk());
            wal.close(true);
        }
    }

    @Test
    void aSlotKeepsItsWalAndIsSavedAtTheCheckpoint() throws Exception {
        FakeSlots slots = new FakeSlots(new Lsn(3 * SEG + 100), -1);
        checkpointWithSlots(slots, segs -> assertThat(segs).containsExactly(3, 4, 5, 6, 7, 8));
        assertThat(slots.saves).isEqualTo(1);
        assertThat(slots.invalidatedBefore).isNull();
    }

    @Test
    void maxSlotWalKeepSizeInvalidatesASlotTooFarBehindAndItsWalGoes() throws Exception {
        // 2 segments at most behind segment 8: segment 6 on are kept, the slot at segment 3 is lost
        FakeSlots slots = new FakeSlots(new Lsn(3 * SEG + 100), 2 * SEG);
        checkpointWithSlots(slots, segs -> assertThat(segs).containsExactly(8));
        assertThat(slots.invalidatedBefore).isEqualTo(new Lsn(6 * SEG));
        assertThat(slots.restartLsn).isEqualTo(Lsn.INVALID);
    }

    @Test
    void otherHoldsAreNotCappedByMaxSlotWalKeepSize() throws Exception {
        backupHold = new Lsn(2 * SEG);
        FakeSlots slots = new FakeSlots(new Lsn(3 * SEG + 100), 2 * SEG);
        checkpointWithSlots(slots, segs -> assertThat(segs).containsExactly(2, 3, 4, 5, 6, 7, 8));
        assertThat(slots.restartLsn).as("the slot is lost all the same").isEqualTo(Lsn.INVALID);
    }

    @Test
    void keepLogSegFollowsPostgres() {
        Lsn cur = new Lsn(10 * SEG + 5);
        // nothing: the redo segment
        assertThat(Wal.keepLogSeg(9, cur, Lsn.INVALID, -1, 0, 0, SEG)).isEqualTo(9);
        // a slot at segment 2 holds WAL back; max_slot_wal_keep_size caps it at 3 segments behind
        assertThat(Wal.keepLogSeg(9, cur, new Lsn(2 * SEG), -1, 0, 0, SEG)).isEqualTo(2);
        assertThat(Wal.keepLogSeg(9, cur, new Lsn(2 * SEG), 3 * SEG, 0, 0, SEG)).isEqualTo(7);
        // max_slot_wal_keep_size = 0 keeps nothing for slots
        assertThat(Wal.keepLogSeg(9, cur, new Lsn(2 * SEG), 0, 0, 0, SEG)).isEqualTo(9);
        // wal_keep_size keeps at least that much, with or without slots; never below segment 1
        assertThat(Wal.keepLogSeg(9, cur, Lsn.INVALID, -1, 4 * SEG, 0, SEG)).isEqualTo(6);
        assertThat(Wal.keepLogSeg(9, cur, new Lsn(2 * SEG), 0, 4 * SEG, 0, SEG)).isEqualTo(6);
        assertThat(Wal.keepLogSeg(9, cur, Lsn.INVALID, -1, 0, 20, SEG)).isEqualTo(1);
        // a slot ahead of the position keeps nothing extra
        assertThat(Wal.keepLogSeg(9, cur, new Lsn(11 * SEG), -1, 0, 0, SEG)).isEqualTo(9);
    }

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
