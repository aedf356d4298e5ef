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
        Files.createDirectories(dir.resolve("pg_wal"));
        Lsn start = new Lsn(SEG);
        ControlFile cf = ControlFile.create(dir, new ControlFile.Data(1, DbState.IN_PRODUCTION, 0, start, start,
                TimelineId.FIRST, TimelineId.FIRST, 3, 0, Lsn.INVALID, TimelineId.FIRST, Lsn.INVALID, Lsn.INVALID,
                false, SEG), clock);
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

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
