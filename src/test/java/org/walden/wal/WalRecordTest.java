package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WalRecordTest {

    @Test
    void encodesAndDecodesWithCrc() {
        KvChange change = new KvChange(new byte[] {2, 1}, new byte[] {9, 9, 9}, null);
        WalRecord r = change.toRecord(735);
        byte[] bytes = r.encode(new Lsn(0x1000028));
        assertThat(bytes).hasSize(WalRecord.HEADER_SIZE + r.payload().length);
        WalRecord.Header h = WalRecord.Header.parse(bytes, 0);
        assertThat(h.totalLength()).isEqualTo(bytes.length);
        assertThat(h.xid()).isEqualTo(735);
        assertThat(h.prevLsn()).isEqualTo(new Lsn(0x1000028));
        assertThat(h.crc()).isEqualTo(WalRecord.crc(bytes, 0, bytes.length));

        WalRecord back = WalRecord.decode(new Lsn(0x1000050), bytes, 0);
        assertThat(back.rmgr()).isEqualTo(RmgrId.KV);
        KvChange c = KvChange.decode(back);
        assertThat(c.key()).containsExactly(2, 1);
        assertThat(c.after()).containsExactly(9, 9, 9);
        assertThat(c.before()).isNull();
        assertThat(back.nextLsn().value() % 8).isZero();
    }

    @Test
    void crcChangesWithAnyFlippedBit() {
        byte[] bytes = new KvChange(new byte[] {2, 7}, null, new byte[] {1}).toRecord(5).encode(Lsn.INVALID);
        int good = WalRecord.crc(bytes, 0, bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            if (i >= 20 && i < 24) {
                continue; // the CRC field itself
            }
            bytes[i] ^= 0x10;
            assertThat(WalRecord.crc(bytes, 0, bytes.length)).as("byte %d", i).isNotEqualTo(good);
            bytes[i] ^= 0x10;
        }
    }

    @Test
    void checkpointRoundTrips() {
        CheckPoint cp = new CheckPoint(new Lsn(0x3000028), new TimelineId(2), TimelineId.FIRST, 740, 1_700_000_000L);
        WalRecord r = cp.toRecord(true);
        assertThat(CheckPoint.isCheckPoint(r)).isTrue();
        assertThat(CheckPoint.decode(r.payload())).isEqualTo(cp);
    }

    @Test
    void segmentNamesAreLikePostgres() {
        long seg16 = 16L << 20;
        assertThat(WalSegments.fileName(TimelineId.FIRST, 1, seg16)).isEqualTo("000000010000000000000001");
        assertThat(WalSegments.fileName(new TimelineId(2), 0x1FF, seg16)).isEqualTo("0000000200000001000000FF");
        assertThat(WalSegments.segmentNo("0000000200000001000000FF", seg16)).isEqualTo(0x1FF);
        long seg1 = 1L << 20;
        assertThat(WalSegments.fileName(TimelineId.FIRST, 0x1005, seg1)).isEqualTo("000000010000000100000005");
        assertThat(WalSegments.isValidSegmentSize(seg1)).isTrue();
        assertThat(WalSegments.isValidSegmentSize(3L << 20)).isFalse();
        assertThat(WalSegments.isValidSegmentSize(2L << 30)).isFalse();
    }

    @Test
    void prepareRecordKeepsWhatRebuildsThePreparedTransactionAndWalDumpDescribesTheTwoPhaseRecords() {
        java.util.Map<Integer, Integer> relations = new java.util.LinkedHashMap<>();
        relations.put(16384, 4);
        relations.put(16390, 128);
        XactRecords.Prepare p = new XactRecords.Prepare("gid é", 1_700_000_000_000_000L, 10, 5, relations,
                java.util.List.of(new byte[] {2, 1, 2}, new byte[] {2}));
        WalRecord r = p.toRecord(742);
        byte[] bytes = r.encode(new Lsn(64));
        WalRecord back = WalRecord.decode(new Lsn(128), bytes, 0);
        assertThat(XactRecords.isPrepare(back)).isTrue();
        assertThat(back.xid()).isEqualTo(742);
        XactRecords.Prepare decoded = XactRecords.Prepare.decode(back);
        assertThat(decoded.gid()).isEqualTo("gid é");
        assertThat(decoded.preparedAtMicros()).isEqualTo(1_700_000_000_000_000L);
        assertThat(decoded.ownerOid()).isEqualTo(10);
        assertThat(decoded.databaseOid()).isEqualTo(5);
        assertThat(decoded.relationLocks()).isEqualTo(relations);
        assertThat(decoded.rowLocks()).hasSize(2);
        assertThat(decoded.rowLocks().get(0)).containsExactly(2, 1, 2);
        assertThat(WalDump.describe(back)).startsWith("PREPARE gid gid é: 2023-11-14");

        WalRecord commit = WalRecord.decode(new Lsn(256), XactRecords.commitPrepared(742, 0).encode(new Lsn(128)), 0);
        assertThat(XactRecords.isCommit(commit)).isTrue();
        assertThat(WalDump.describe(commit)).startsWith("COMMIT_PREPARED 742: ");
        WalRecord abort = WalRecord.decode(new Lsn(256), XactRecords.abortPrepared(742, 0).encode(new Lsn(128)), 0);
        assertThat(XactRecords.isAbort(abort)).isTrue();
        assertThat(WalDump.describe(abort)).startsWith("ABORT_PREPARED 742: ");
    }

    @Test
    void aRemoteApplyCommitAsksForApplyFeedbackAndKeepsItsTime() {
        WalRecord plain = XactRecords.commit(7, 1_234_567L);
        WalRecord remoteApply = XactRecords.commit(7, 1_234_567L, true);
        WalRecord prepared = XactRecords.commitPrepared(8, 99L, true);
        assertThat(XactRecords.requestsApplyFeedback(plain)).isFalse();
        assertThat(XactRecords.requestsApplyFeedback(remoteApply)).isTrue();
        assertThat(XactRecords.requestsApplyFeedback(prepared)).isTrue();
        assertThat(XactRecords.requestsApplyFeedback(XactRecords.abort(7, 1_234_567L))).isFalse();
        // through the WAL's encoding, as a standby reads it
        byte[] bytes = remoteApply.encode(new Lsn(0x100));
        WalRecord read = WalRecord.decode(new Lsn(0x200), bytes, 0);
        assertThat(XactRecords.requestsApplyFeedback(read)).isTrue();
        assertThat(XactRecords.commitTimeMicros(read)).isEqualTo(1_234_567L);
        assertThat(XactRecords.isCommit(read)).isTrue();
    }
}
