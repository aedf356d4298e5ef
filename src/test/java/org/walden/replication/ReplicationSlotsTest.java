package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

class ReplicationSlotsTest {

    @Test
    void persistentSlotsSurviveARestartAndHoldWal(@TempDir Path dir) throws Exception {
        Path replslot = dir.resolve("pg_replslot");
        ReplicationSlots slots = new ReplicationSlots(replslot, 10);
        slots.create("standby_1", false, Lsn.parse("0/3000000"), 100);
        slots.create("tmp", true, Lsn.parse("0/2000000"), 100);
        assertThat(replslot.resolve("standby_1/state")).exists();
        assertThat(replslot.resolve("tmp")).doesNotExist();
        assertThat(slots.minimumLsnToKeep()).isEqualTo(Lsn.parse("0/2000000"));
        slots.cleanupSession(100);
        assertThat(slots.read("tmp")).isNull();
        assertThat(slots.minimumLsnToKeep()).isEqualTo(Lsn.parse("0/3000000"));

        ReplicationSlots.Slot s = slots.acquire("standby_1", 200);
        slots.confirmReceivedLocation(s, Lsn.parse("0/3001000"));
        assertThat(slots.read("standby_1").active()).isTrue();
        assertThat(slots.read("standby_1").activePid()).isEqualTo(200);
        slots.release(s);
        assertThat(slots.read("standby_1").active()).isFalse();

        ReplicationSlots again = new ReplicationSlots(replslot, 10);
        again.startupReplicationSlots();
        assertThat(again.read("standby_1").restartLsn()).isEqualTo(Lsn.parse("0/3001000"));
        assertThat(again.minimumLsnToKeep()).isEqualTo(Lsn.parse("0/3001000"));
        long hold = again.holdForBackup(Lsn.parse("0/1000000"));
        assertThat(again.minimumLsnToKeep()).isEqualTo(Lsn.parse("0/1000000"));
        again.releaseBackupHold(hold);
        again.drop("standby_1", 1, false, 0);
        assertThat(replslot.resolve("standby_1")).doesNotExist();
        assertThat(again.minimumLsnToKeep()).isEqualTo(Lsn.INVALID);
        assertThat(Files.list(replslot)).isEmpty();
    }

    @Test
    void activeSlotsAreRefusedOrWaitedFor() throws Exception {
        ReplicationSlots slots = new ReplicationSlots(null, 10);
        slots.create("s", false, Lsn.INVALID, 1);
        ReplicationSlots.Slot s = slots.acquire("s", 7);
        assertThatThrownBy(() -> slots.acquire("s", 8)).hasMessage("replication slot \"s\" is active for PID 7");
        assertThatThrownBy(() -> slots.drop("s", 8, false, 0)).hasMessage("replication slot \"s\" is active for PID 7");
        Thread releaser = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(200);
                slots.release(s);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        slots.drop("s", 8, true, 10_000);
        releaser.join();
        assertThat(slots.read("s")).isNull();
        assertThatThrownBy(() -> slots.drop("s", 8, false, 0)).isInstanceOfSatisfying(PgException.class,
                e -> assertThat(e.sqlState()).isEqualTo(SqlState.UNDEFINED_OBJECT));
    }

    @Test
    void namesAndLimitsAreChecked() throws Exception {
        ReplicationSlots slots = new ReplicationSlots(null, 1);
        assertThatThrownBy(() -> slots.create("Bad-Name", false, Lsn.INVALID, 1)).isInstanceOfSatisfying(
                PgException.class, e -> {
                    assertThat(e).hasMessage("replication slot name \"Bad-Name\" contains invalid character");
                    assertThat(e.hint()).startsWith("Replication slot names may only contain lower case letters");
                });
        assertThatThrownBy(() -> slots.create("x".repeat(64), false, Lsn.INVALID, 1)).hasMessageEndingWith("is too long");
        slots.create("one", false, Lsn.INVALID, 1);
        assertThatThrownBy(() -> slots.create("two", false, Lsn.INVALID, 1)).hasMessage("all replication slots are in use");
    }

    @Test
    void stateMachinesRefuseIllegalMoves() {
        assertThat(WalSndState.STARTUP.moveTo(WalSndState.CATCHUP).moveTo(WalSndState.STREAMING)
                .moveTo(WalSndState.STARTUP).moveTo(WalSndState.BACKUP).moveTo(WalSndState.STARTUP))
                .isEqualTo(WalSndState.STARTUP);
        assertThatThrownBy(() -> WalSndState.BACKUP.moveTo(WalSndState.STREAMING))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WalSndState.STOPPING.moveTo(WalSndState.STARTUP))
                .isInstanceOf(IllegalStateException.class);
        assertThat(WalSndState.CATCHUP.viewName()).isEqualTo("catchup");
        assertThat(WalRcvState.STOPPED.moveTo(WalRcvState.STARTING).moveTo(WalRcvState.WAITING)
                .moveTo(WalRcvState.RESTARTING).moveTo(WalRcvState.STREAMING).moveTo(WalRcvState.STOPPING)
                .moveTo(WalRcvState.STOPPED)).isEqualTo(WalRcvState.STOPPED);
        assertThatThrownBy(() -> WalRcvState.STOPPED.moveTo(WalRcvState.STREAMING))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void invalidationLosesTheRestartLsnForGoodAndStopsTheWalsender(@TempDir Path dir) throws Exception {
        Path replslot = dir.resolve("pg_replslot");
        ReplicationSlots slots = new ReplicationSlots(replslot, 10);
        java.util.List<Integer> terminated = new java.util.ArrayList<>();
        slots.setProcessTerminator(terminated::add);
        slots.create("behind", false, Lsn.parse("0/3000000"), 1);
        slots.create("ahead", false, Lsn.parse("0/9000000"), 1);
        ReplicationSlots.Slot s = slots.acquire("behind", 77);

        assertThat(slots.invalidateObsoleteReplicationSlots(Lsn.parse("0/2000000"))).isFalse();
        assertThat(slots.invalidateObsoleteReplicationSlots(Lsn.parse("0/6000000"))).isTrue();
        assertThat(terminated).containsExactly(77);
        ReplicationSlots.SlotInfo lost = slots.read("behind");
        assertThat(lost.invalidated()).isTrue();
        assertThat(lost.restartLsn()).isEqualTo(Lsn.INVALID);
        assertThat(lost.invalidatedAt()).isEqualTo(Lsn.parse("0/3000000"));
        assertThat(slots.read("ahead").invalidated()).isFalse();
        assertThat(slots.minimumLsnToKeep()).isEqualTo(Lsn.parse("0/9000000"));

        // the standby's later flush reports do not revive it
        slots.confirmReceivedLocation(s, Lsn.parse("0/7000000"));
        assertThat(slots.read("behind").restartLsn()).isEqualTo(Lsn.INVALID);
        slots.release(s);

        ReplicationSlots again = new ReplicationSlots(replslot, 10);
        again.startupReplicationSlots();
        assertThat(again.read("behind").invalidated()).isTrue();
        assertThat(again.read("ahead").restartLsn()).isEqualTo(Lsn.parse("0/9000000"));
        assertThat(again.read("ahead").invalidated()).isFalse();
    }

    @Test
    void aSlotInUseIsRefusedWithObjectInUse() throws Exception {
        ReplicationSlots slots = new ReplicationSlots(null, 10);
        slots.create("s", false, Lsn.INVALID, 1);
        slots.acquire("s", 7);
        assertThatThrownBy(() -> slots.drop("s", 8, false, 0)).isInstanceOf(PgException.class)
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.OBJECT_IN_USE));
    }

    @Test
    void aTemporarySlotStaysActiveForItsSession() throws Exception {
        ReplicationSlots slots = new ReplicationSlots(null, 10);
        slots.create("t", true, Lsn.parse("0/1000000"), 5);
        assertThat(slots.read("t").active()).isTrue();
        assertThat(slots.read("t").activePid()).isEqualTo(5);
        assertThatThrownBy(() -> slots.drop("t", 6, false, 0)).hasMessage("replication slot \"t\" is active for PID 5");
        ReplicationSlots.Slot s = slots.acquire("t", 5);
        slots.release(s);
        assertThat(slots.read("t").activePid()).isEqualTo(5);
        slots.cleanupSession(5);
        assertThat(slots.read("t")).isNull();
    }
}
