package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

class ReplayControlTest {

    @Test
    void aPauseIsRequestedThenConfirmedByTheStartupProcessAndEndsOnResume() throws Exception {
        ReplayControl c = new ReplayControl();
        assertThat(c.pauseHere(10)).isFalse();
        c.requestPause();
        assertThat(c.pauseState()).isEqualTo(ReplayControl.PauseState.PAUSE_REQUESTED);
        assertThat(c.pauseState().sqlName()).isEqualTo("pause requested");
        assertThat(c.isPauseRequested()).isTrue();

        CompletableFuture<Long> startup = CompletableFuture.supplyAsync(() -> {
            long slices = 0;
            while (c.pauseHere(20)) {
                slices++;
            }
            return slices;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (c.pauseState() != ReplayControl.PauseState.PAUSED && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(c.pauseState().sqlName()).isEqualTo("paused");
        Thread.sleep(100);
        assertThat(startup).isNotDone();
        c.requestPause(); // a second request leaves it paused
        assertThat(c.pauseState()).isEqualTo(ReplayControl.PauseState.PAUSED);
        c.resume();
        assertThat(startup.get(5, TimeUnit.SECONDS)).isPositive();
        assertThat(c.pauseState().sqlName()).isEqualTo("not paused");
    }

    @Test
    void awaitReplayedReturnsOnceReplayPassesTheTargetOrFalseAtTheTimeout() throws Exception {
        ReplayControl c = new ReplayControl();
        c.advance(new Lsn(0x100));
        assertThat(c.awaitReplayed(new Lsn(0x100), 0)).isTrue();
        assertThat(c.awaitReplayed(new Lsn(0x80), 0)).isTrue();
        long t0 = System.nanoTime();
        assertThat(c.awaitReplayed(new Lsn(0x200), 150)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(140);

        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> c.awaitReplayed(new Lsn(0x200), 10_000));
        Thread.sleep(50);
        c.advance(new Lsn(0x180));
        Thread.sleep(50);
        assertThat(waiter).isNotDone();
        long t1 = System.nanoTime();
        c.advance(new Lsn(0x208));
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).isLessThan(2_000);
        assertThat(c.replayedLsn()).isEqualTo(new Lsn(0x208));
    }
}
