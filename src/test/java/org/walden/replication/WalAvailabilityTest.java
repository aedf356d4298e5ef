package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.walden.wal.Lsn;

class WalAvailabilityTest {

    static final long SEG = 1L << 20;
    /** Position in segment 20; max_wal_size 4 segments; segments from 5 on still on disk. */
    static final Lsn CURRENT = new Lsn(20 * SEG + 1000);

    private static WalAvailability.Horizon horizon(Lsn slotsMin, long maxSlotWalKeepSizeBytes, long walKeepSizeBytes) {
        return new WalAvailability.Horizon(CURRENT, slotsMin, 5, SEG, 4 * SEG, walKeepSizeBytes, 0,
                maxSlotWalKeepSizeBytes);
    }

    private static ReplicationSlots.SlotInfo slot(Lsn restart, boolean active) {
        return new ReplicationSlots.SlotInfo("s", false, active, active ? 42 : 0, restart, Lsn.INVALID);
    }

    @Test
    void withinMaxWalSizeIsReservedBeyondItExtended() {
        Lsn restart = new Lsn(18 * SEG);
        WalAvailability a = WalAvailability.of(slot(restart, false), horizon(restart, -1, 0));
        assertThat(a).isEqualTo(new WalAvailability("reserved", null));
        Lsn old = new Lsn(10 * SEG);
        assertThat(WalAvailability.of(slot(old, false), horizon(old, -1, 0)).walStatus()).isEqualTo("extended");
    }

    @Test
    void beyondMaxSlotWalKeepSizeIsUnreservedWhileOnDiskThenLost() {
        Lsn old = new Lsn(10 * SEG);
        // max_slot_wal_keep_size 3 segments: the slots keep only back to segment 17
        WalAvailability a = WalAvailability.of(slot(old, false), horizon(old, 3 * SEG, 0));
        assertThat(a.walStatus()).isEqualTo("unreserved");
        // failSeg = 10 + 3 + 1 = 14: already behind the current position, so negative
        assertThat(a.safeWalSizeBytes()).isEqualTo(14 * SEG - CURRENT.value());
        Lsn gone = new Lsn(3 * SEG);
        assertThat(WalAvailability.of(slot(gone, false), horizon(gone, 3 * SEG, 0)))
                .isEqualTo(new WalAvailability("lost", null));
        // a walsender still holding it: 'unreserved', as PostgreSQL says while it is alive
        assertThat(WalAvailability.of(slot(gone, true), horizon(gone, 3 * SEG, 0)).walStatus())
                .isEqualTo("unreserved");
    }

    @Test
    void safeWalSizeCountsToTheSegmentThatWouldBeLost() {
        Lsn restart = new Lsn(19 * SEG + 10);
        WalAvailability a = WalAvailability.of(slot(restart, false), horizon(restart, 4 * SEG, 0));
        assertThat(a.walStatus()).isEqualTo("reserved");
        assertThat(a.safeWalSizeBytes()).isEqualTo((19 + 4 + 1) * SEG - CURRENT.value());
        // wal_keep_size larger than max_slot_wal_keep_size counts instead
        assertThat(WalAvailability.of(slot(restart, false), horizon(restart, 4 * SEG, 6 * SEG)).safeWalSizeBytes())
                .isEqualTo((19 + 6 + 1) * SEG - CURRENT.value());
    }

    @Test
    void invalidatedOrUnreservedSlots() {
        ReplicationSlots.SlotInfo lost = new ReplicationSlots.SlotInfo("s", false, false, 0, Lsn.INVALID,
                new Lsn(3 * SEG));
        assertThat(WalAvailability.of(lost, horizon(Lsn.INVALID, 3 * SEG, 0)))
                .isEqualTo(new WalAvailability("lost", null));
        ReplicationSlots.SlotInfo unreserved = slot(Lsn.INVALID, false);
        assertThat(WalAvailability.of(unreserved, horizon(Lsn.INVALID, 3 * SEG, 0)))
                .isEqualTo(new WalAvailability(null, null));
    }
}
