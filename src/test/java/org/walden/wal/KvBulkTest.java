package org.walden.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The logged form of ROWS records ({@link KvBulk#compressed}, {@link KvBulk#uncompressed}): a
 * large batch of compressible rows becomes a smaller ROWS_SNAPPY record that gives back the same
 * rows; small, incompressible and other records are logged as they are; a damaged compressed
 * payload is refused, not replayed as garbage.
 */
class KvBulkTest {

    private static WalRecord rows(int count, boolean compressible) {
        Random random = new Random(count);
        KvBulk.RowsBuilder b = new KvBulk.RowsBuilder();
        for (int i = 0; i < count; i++) {
            byte[] key = java.nio.ByteBuffer.allocate(9).put((byte) 1).putInt(7).putInt(i).array();
            byte[] value = new byte[100];
            if (compressible) {
                java.util.Arrays.fill(value, (byte) ' '); // pgbench's filler
                value[0] = (byte) i;
            } else {
                random.nextBytes(value);
            }
            b.add(key, i % 97 == 5 ? null : value); // a delete now and then
        }
        return b.toRecord(42);
    }

    private static List<String> decoded(WalRecord r) {
        List<String> out = new ArrayList<>();
        KvBulk.decodeRows(r, (k, v) -> out.add(java.util.HexFormat.of().formatHex(k) + "="
                + (v == null ? "deleted" : java.util.HexFormat.of().formatHex(v))));
        return out;
    }

    @Test
    void aLargeCompressibleBatchIsLoggedSmallerAndGivesBackTheSameRows() {
        WalRecord raw = rows(20_000, true);
        WalRecord logged = KvBulk.compressed(raw);
        assertThat(logged.info()).isEqualTo(RmgrId.KV_ROWS_SNAPPY);
        assertThat(logged.xid()).isEqualTo(42);
        assertThat(logged.payload().length).isLessThan(raw.payload().length / 4);
        assertThat(KvBulk.isBulk(logged)).isTrue();

        // as redo reads it back: through the WAL's own encoding, at an LSN
        byte[] encoded = logged.encode(new Lsn(0x1000));
        WalRecord read = WalRecord.decode(new Lsn(0x2000), encoded, 0);
        WalRecord back = KvBulk.uncompressed(read);
        assertThat(back.info()).isEqualTo(RmgrId.KV_ROWS);
        assertThat(back.lsn()).isEqualTo(new Lsn(0x2000));
        assertThat(back.prevLsn()).isEqualTo(new Lsn(0x1000));
        assertThat(back.xid()).isEqualTo(42);
        assertThat(back.payload()).isEqualTo(raw.payload());
        assertThat(decoded(back)).isEqualTo(decoded(raw)).hasSize(20_000);
        assertThat(KvBulk.describe(read)).startsWith("ROWS 20000 rows (snappy, " + raw.payload().length + " bytes");
    }

    @Test
    void smallIncompressibleAndOtherRecordsAreLoggedAsTheyAre() {
        WalRecord small = rows(50, true);
        assertThat(KvBulk.compressed(small)).isSameAs(small);
        WalRecord random = rows(20_000, false);
        assertThat(random.payload().length).isGreaterThan(KvBulk.COMPRESS_MIN_BYTES);
        assertThat(KvBulk.compressed(random)).isSameAs(random);
        WalRecord range = KvBulk.newRange(3, new byte[] {1, 2}, new byte[] {1, 3});
        assertThat(KvBulk.compressed(range)).isSameAs(range);
        assertThat(KvBulk.uncompressed(range)).isSameAs(range);
        assertThat(KvBulk.uncompressed(random)).isSameAs(random);
    }

    @Test
    void aDamagedCompressedPayloadIsRefused() {
        WalRecord logged = KvBulk.compressed(rows(20_000, true));
        byte[] wrongLength = logged.payload().clone();
        wrongLength[0] ^= 1; // the stated raw length no longer matches
        assertThatThrownBy(() -> KvBulk.uncompressed(new WalRecord(new Lsn(0x2000), 42, Lsn.INVALID, RmgrId.KV,
                RmgrId.KV_ROWS_SNAPPY, wrongLength))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid compressed ROWS record at");
        byte[] cut = java.util.Arrays.copyOf(logged.payload(), logged.payload().length / 2);
        assertThatThrownBy(() -> KvBulk.uncompressed(new WalRecord(new Lsn(0x2000), 42, Lsn.INVALID, RmgrId.KV,
                RmgrId.KV_ROWS_SNAPPY, cut))).isInstanceOf(IllegalStateException.class);
    }
}
