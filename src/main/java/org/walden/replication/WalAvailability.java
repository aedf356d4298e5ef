package org.walden.replication;

import org.walden.wal.Lsn;
import org.walden.wal.Wal;

/**
 * pg_replication_slots' wal_status and safe_wal_size, computed as PostgreSQL 15's
 * GetWALAvailability and pg_get_replication_slots do:
 * <ul>
 *   <li>'reserved': the slot's WAL lies within max_wal_size (or wal_keep_size) of the current
 *       position;</li>
 *   <li>'extended': further back, but still kept for the slots (max_slot_wal_keep_size, if
 *       any, not exceeded);</li>
 *   <li>'unreserved': no longer kept — the next checkpoint removes it — but still on disk, or
 *       lost while a walsender still holds the slot;</li>
 *   <li>'lost': removed, or the slot was invalidated; NULL when the slot reserves no WAL.</li>
 * </ul>
 * safe_wal_size: bytes that can still be written before the slot is in danger of losing WAL;
 * NULL when the slot is lost or max_slot_wal_keep_size is -1.
 *
 * @param walStatus       null when the slot has no restart_lsn and was never invalidated
 * @param safeWalSizeBytes null as above; may be negative
 */
public record WalAvailability(String walStatus, Long safeWalSizeBytes) {

    /** Settings and positions one pg_replication_slots scan sees. */
    public record Horizon(Lsn currentLsn, Lsn slotsMinimumLsn, long oldestSegNoOnDisk, long segmentSizeBytes,
                          long maxWalSizeBytes, long walKeepSizeBytes, long walKeepSegments,
                          long maxSlotWalKeepSizeBytes) {
    }

    private enum State { INVALID_LSN, RESERVED, EXTENDED, UNRESERVED, REMOVED }

    /** The row values for one slot. */
    public static WalAvailability of(ReplicationSlots.SlotInfo slot, Horizon h) {
        State state = slot.invalidated() ? State.REMOVED : getWalAvailability(slot.restartLsn(), h);
        String status = switch (state) {
            case INVALID_LSN -> null;
            case RESERVED -> "reserved";
            case EXTENDED -> "extended";
            case UNRESERVED -> "unreserved";
            case REMOVED -> slot.restartLsn().isValid() && slot.active() ? "unreserved" : "lost";
        };
        if (state == State.INVALID_LSN || state == State.REMOVED || h.maxSlotWalKeepSizeBytes() < 0) {
            return new WalAvailability(status, null);
        }
        long seg = h.segmentSizeBytes();
        long targetSeg = slot.restartLsn().segmentNo(seg);
        long slotKeepSegs = h.maxSlotWalKeepSizeBytes() / seg;
        long keepSegs = Math.max(h.walKeepSegments(), h.walKeepSizeBytes() / seg);
        long failSeg = targetSeg + Math.max(slotKeepSegs, keepSegs) + 1;
        return new WalAvailability(status, failSeg * seg - h.currentLsn().value());
    }

    /** GetWALAvailability for one restart_lsn. */
    private static State getWalAvailability(Lsn target, Horizon h) {
        if (!target.isValid()) {
            return State.INVALID_LSN;
        }
        long seg = h.segmentSizeBytes();
        long currSeg = h.currentLsn().segmentNo(seg);
        long oldestSlotSeg = Wal.keepLogSeg(currSeg, h.currentLsn(), h.slotsMinimumLsn(),
                h.maxSlotWalKeepSizeBytes(), h.walKeepSizeBytes(), h.walKeepSegments(), seg);
        long keepSegs = Math.max(h.maxWalSizeBytes(), Math.max(h.walKeepSizeBytes(), h.walKeepSegments() * seg))
                / seg + 1;
        long oldestSegMaxWalSize = currSeg > keepSegs ? currSeg - keepSegs : 1;
        long targetSeg = target.segmentNo(seg);
        if (targetSeg >= oldestSlotSeg) {
            return targetSeg >= oldestSegMaxWalSize ? State.RESERVED : State.EXTENDED;
        }
        if (targetSeg >= h.oldestSegNoOnDisk()) {
            return State.UNRESERVED;
        }
        return State.REMOVED;
    }
}
