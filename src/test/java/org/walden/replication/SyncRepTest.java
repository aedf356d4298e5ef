package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.txn.SynchronousCommit;
import org.walden.wal.Lsn;

/** SyncRep's rules (priority, quorum, sync_state) and its queue, with walsender entries set by hand. */
class SyncRepTest {

    private final WalSenderRegistry registry = new WalSenderRegistry();
    private final AtomicReference<String> names = new AtomicReference<>("");
    private final SyncRep rep = new SyncRep(registry, names::get, Clock.systemUTC());

    private WalSenderRegistry.Entry standby(String app, WalSndState state, long write, long flush, long apply) {
        WalSenderRegistry.Entry e = registry.register(10, 100 + registry.entries().size(), "postgres", app, null,
                Instant.EPOCH);
        e.state = state;
        e.streamingStarted = true;
        e.writeLsn = new Lsn(write);
        e.flushLsn = new Lsn(flush);
        e.replayLsn = new Lsn(apply);
        return e;
    }

    private void set(String value) {
        names.set(value);
        rep.reloadConfig();
    }

    private List<String> states() {
        List<String> out = new ArrayList<>();
        for (WalSenderStat s : registry.stats()) {
            out.add(s.applicationName() + ":" + s.syncPriority() + ":" + s.syncState());
        }
        return out;
    }

    @Test
    void syncPriorityAndStateFollowPostgresRules() {
        standby("s1", WalSndState.STREAMING, 10, 10, 10);
        standby("S2", WalSndState.STREAMING, 10, 10, 10);
        standby("s3", WalSndState.STREAMING, 10, 10, 10);
        standby("s4", WalSndState.CATCHUP, 10, 10, 10);
        assertThat(states()).containsExactly("s1:0:async", "S2:0:async", "s3:0:async", "s4:0:async");
        set("s2, s1");
        assertThat(states()).containsExactly("s1:2:potential", "S2:1:sync", "s3:0:async", "s4:0:async");
        set("FIRST 2 (s4, s3, s1, s2)");
        // s4 is not streaming: the two highest-priority streaming ones are sync
        assertThat(states()).containsExactly("s1:3:sync", "S2:4:potential", "s3:2:sync", "s4:1:potential");
        set("*");
        assertThat(states()).containsExactly("s1:1:sync", "S2:1:potential", "s3:1:potential", "s4:1:potential");
        set("2(s1, *)");
        assertThat(states()).containsExactly("s1:1:sync", "S2:2:sync", "s3:2:potential", "s4:2:potential");
        set("ANY 2 (s1, s2, s4)");
        assertThat(states()).containsExactly("s1:1:quorum", "S2:1:quorum", "s3:0:async", "s4:1:potential");
        set("");
        assertThat(states()).containsExactly("s1:0:async", "S2:0:async", "s3:0:async", "s4:0:async");
    }

    @Test
    void aStandbyWithoutAFlushPositionOrNotYetStreamingIsAsync() {
        standby("s1", WalSndState.STREAMING, 0, 0, 0);
        standby("s2", WalSndState.STREAMING, 5, 5, 5);
        WalSenderRegistry.Entry backup = standby("s3", WalSndState.BACKUP, 0, 0, 0);
        backup.streamingStarted = false;
        standby("s4", WalSndState.STOPPING, 7, 7, 7);
        set("s1, s2, s3, s4");
        assertThat(states()).containsExactly("s1:0:async", "s2:2:sync", "s3:0:async", "s4:4:potential");
        set("ANY 3 (s1, s2, s3, s4)");
        assertThat(states()).containsExactly("s1:0:async", "s2:1:quorum", "s3:0:async", "s4:1:quorum");
    }

    @Test
    void firstNWaitsForTheOldestOfTheSyncStandbysAndAnyNForTheNthLatest() {
        WalSenderRegistry.Entry a = standby("a", WalSndState.STREAMING, 30, 20, 10);
        WalSenderRegistry.Entry b = standby("b", WalSndState.STREAMING, 60, 50, 40);
        standby("c", WalSndState.STREAMING, 90, 80, 70);
        List<WalSenderRegistry.Entry> all = registry.entries();
        Lsn[] first = SyncRep.syncRecPtr(new org.walden.common.guc.SyncStandbyNames(
                org.walden.common.guc.SyncStandbyNames.Method.PRIORITY, 2, List.of("a", "b", "c")), all);
        assertThat(first).containsExactly(new Lsn(30), new Lsn(20), new Lsn(10));
        Lsn[] any = SyncRep.syncRecPtr(new org.walden.common.guc.SyncStandbyNames(
                org.walden.common.guc.SyncStandbyNames.Method.QUORUM, 2, List.of("a", "b", "c")), all);
        assertThat(any).containsExactly(new Lsn(60), new Lsn(50), new Lsn(40));
        Lsn[] tooFew = SyncRep.syncRecPtr(new org.walden.common.guc.SyncStandbyNames(
                org.walden.common.guc.SyncStandbyNames.Method.QUORUM, 4, List.of("*")), all);
        assertThat(tooFew).isNull();
        assertThat(a.flushLsn()).isEqualTo(new Lsn(20));
        assertThat(b.flushLsn()).isEqualTo(new Lsn(50));
    }

    /**
     * With the failover agent's guard, a commit is released only once every standby of the
     * published set confirmed it, even when synchronous_standby_names is satisfied sooner; an
     * empty published set releases nothing.
     */
    @Test
    void theGuardReleasesACommitOnlyOnceEveryPublishedStandbyConfirmedIt() throws Exception {
        WalSenderRegistry.Entry a = standby("a", WalSndState.STREAMING, 300, 300, 300);
        WalSenderRegistry.Entry b = standby("b", WalSndState.STREAMING, 100, 100, 100);
        AtomicReference<java.util.Set<String>> published = new AtomicReference<>(java.util.Set.of());
        rep.setSyncSetGuard(published::get);
        set("ANY 1 (a, b)");
        CompletableFuture<Void> commit = CompletableFuture.runAsync(
                () -> rep.waitForCommit(new Lsn(200), SynchronousCommit.ON));
        Thread.sleep(200);
        assertThat(commit).as("nothing is published").isNotDone();
        published.set(java.util.Set.of("a", "b"));
        rep.releaseWaiters();
        Thread.sleep(200);
        assertThat(commit).as("b has not confirmed 200").isNotDone();
        assertThat(rep.synchronousFlushed()).containsEntry("a", new Lsn(300)).containsEntry("b", new Lsn(100));
        b.writeLsn = new Lsn(250);
        b.flushLsn = new Lsn(250);
        registry.standbyReplied(b);
        commit.get(5, TimeUnit.SECONDS);
        assertThat(rep.releasedUpTo()).as("what every published standby wrote and flushed").isEqualTo(new Lsn(250));
    }

    @Test
    void noStandbyNamesMeansNoWait() {
        rep.waitForCommit(new Lsn(1000), SynchronousCommit.ON);
        assertThat(rep.waiterCount()).isZero();
    }

    @Test
    void aCommitWaitsUntilTheSyncStandbyRepliesWithItsModePosition() throws Exception {
        WalSenderRegistry.Entry s = standby("s1", WalSndState.STREAMING, 100, 100, 100);
        set("s1");
        CompletableFuture<Void> flushWait = CompletableFuture.runAsync(
                () -> rep.waitForCommit(new Lsn(200), SynchronousCommit.ON));
        CompletableFuture<Void> applyWait = CompletableFuture.runAsync(
                () -> rep.waitForCommit(new Lsn(150), SynchronousCommit.REMOTE_APPLY));
        Thread.sleep(300);
        assertThat(flushWait).isNotDone();
        assertThat(applyWait).isNotDone();
        s.writeLsn = new Lsn(250);
        s.flushLsn = new Lsn(200);
        registry.standbyReplied(s);
        flushWait.get(5, TimeUnit.SECONDS);
        assertThat(applyWait).isNotDone();
        s.replayLsn = new Lsn(160);
        registry.standbyReplied(s);
        applyWait.get(5, TimeUnit.SECONDS);
        // already released positions return at once
        rep.waitForCommit(new Lsn(240), SynchronousCommit.REMOTE_WRITE);
        assertThat(rep.waiterCount()).isZero();
    }

    @Test
    void emptyingTheSettingReleasesEveryWaiter() throws Exception {
        standby("s1", WalSndState.STREAMING, 1, 1, 1);
        set("s1");
        CompletableFuture<Void> wait = CompletableFuture.runAsync(
                () -> rep.waitForCommit(new Lsn(500), SynchronousCommit.ON));
        Thread.sleep(200);
        assertThat(wait).isNotDone();
        set("");
        wait.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aCancelDoesNotEndTheWaitButQueuesPostgresWarning() throws Exception {
        WalSenderRegistry.Entry s = standby("s1", WalSndState.STREAMING, 1, 1, 1);
        set("s1");
        AtomicBoolean cancel = new AtomicBoolean();
        List<PgException> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        SyncRep.WaitInterrupts interrupts = new SyncRep.WaitInterrupts() {
            @Override
            public boolean consumeInterrupt() {
                return cancel.getAndSet(false);
            }

            @Override
            public void warning(PgException warning) {
                warnings.add(warning);
            }
        };
        CompletableFuture<Void> wait = CompletableFuture.runAsync(() -> SyncRep.withInterrupts(interrupts, () -> {
            rep.waitForCommit(new Lsn(500), SynchronousCommit.ON);
            return null;
        }));
        cancel.set(true);
        Thread.sleep(500);
        assertThat(wait).isNotDone();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage())
                .isEqualTo("canceling wait for synchronous replication due to user request");
        assertThat(warnings.get(0).detail()).isEqualTo(
                "The transaction has already committed locally, but might not have been replicated to the standby.");
        s.flushLsn = new Lsn(500);
        registry.standbyReplied(s);
        wait.get(5, TimeUnit.SECONDS);
    }

    @Test
    void shutdownEndsTheWaitWithAdminShutdown() throws Exception {
        standby("s1", WalSndState.STREAMING, 1, 1, 1);
        set("s1");
        CompletableFuture<Void> wait = CompletableFuture.runAsync(
                () -> rep.waitForCommit(new Lsn(500), SynchronousCommit.ON));
        Thread.sleep(200);
        rep.shutdown();
        Throwable t = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> wait.get(5, TimeUnit.SECONDS)).getCause();
        assertThat(((PgException) t).sqlState()).isEqualTo(SqlState.ADMIN_SHUTDOWN);
        assertThat(rep.waiterCount()).isZero();
    }
}
