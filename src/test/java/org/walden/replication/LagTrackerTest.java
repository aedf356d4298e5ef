package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

/** pg_stat_replication's lags as PostgreSQL 15's LagTracker (walsender.c) computes them. */
class LagTrackerTest {

    private static final long T0 = 848_604_674_000_000L; // a TimestampTz in 2026

    @Test
    void aReplyPassingSamplesMeasuresFromTheLastOnePassed() {
        LagTracker t = new LagTracker();
        t.write(new Lsn(1000), T0);
        t.write(new Lsn(2000), T0 + 100);
        assertThat(t.read(LagTracker.Head.FLUSH, new Lsn(2500), T0 + 1000)).isEqualTo(900);
        assertThat(t.read(LagTracker.Head.WRITE, new Lsn(1000), T0 + 1000)).isEqualTo(1000);
    }

    @Test
    void aStuckPositionBetweenSamplesShowsAGrowingInterpolatedLag() {
        LagTracker t = new LagTracker();
        t.write(new Lsn(1000), T0);
        t.write(new Lsn(2000), T0 + 1000);
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(1000), T0 + 1500)).isEqualTo(1500);
        // nothing passed since: the time is interpolated between 1000 (T0) and 2000 (T0 + 1000) by LSN
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(1000), T0 + 3000)).isEqualTo(3000);
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(1500), T0 + 3000)).isEqualTo(2500);
    }

    @Test
    void aNewBurstAfterCatchingUpMeasuresFromItsFirstSample() {
        LagTracker t = new LagTracker();
        t.write(new Lsn(1000), T0);
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(1000), T0 + 200)).isEqualTo(200);
        t.write(new Lsn(5000), T0 + 10_000);
        // the standby has not reached the new sample: the lag it would have reaching it now
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(1000), T0 + 10_300)).isEqualTo(300);
    }

    @Test
    void nothingPassedAndNothingWaitingLeavesTheLagAlone() {
        LagTracker t = new LagTracker();
        assertThat(t.read(LagTracker.Head.WRITE, new Lsn(1000), T0)).isEqualTo(-1);
        t.write(new Lsn(1000), T0);
        assertThat(t.read(LagTracker.Head.WRITE, new Lsn(1000), T0 + 50)).isEqualTo(50);
        assertThat(t.read(LagTracker.Head.WRITE, new Lsn(1000), T0 + 90)).isEqualTo(-1);
    }

    @Test
    void aFullBufferOverwritesItsNewestSample() {
        LagTracker t = new LagTracker();
        for (int i = 1; i <= LagTracker.BUFFER_SAMPLES + 10; i++) {
            t.write(new Lsn(i * 100L), T0 + i);
        }
        long last = LagTracker.BUFFER_SAMPLES + 10;
        // the oldest samples are all still there; the newest slot holds the last sample written
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(100), T0 + 10_000)).isEqualTo(10_000 - 1);
        assertThat(t.read(LagTracker.Head.APPLY, new Lsn(last * 100), T0 + 20_000)).isEqualTo(20_000 - last);
    }

    @Test
    void aRepeatedEndOfWalIsOneSample() {
        LagTracker t = new LagTracker();
        t.write(new Lsn(1000), T0);
        t.write(new Lsn(1000), T0 + 500);
        assertThat(t.read(LagTracker.Head.FLUSH, new Lsn(1000), T0 + 700)).isEqualTo(700);
    }
}
