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
}
