package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.wal.KvBulk;
import org.walden.wal.WalRecord;

/**
 * A fresh range's pending rows: an ascending run kept as a ROWS payload, and what happens to it
 * when a key is written again, out of order, or deleted, or a range is emptied.
 */
class BulkPendingTest {

    private static final byte[] DELETED = new byte[0];

    private static byte[] key(int table, long rowId) {
        return ByteBuffer.allocate(13).put(Transaction.DATA_KEYSPACE).putInt(table).putLong(rowId).array();
    }

    private static byte[] value(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<String> rows(BulkPending p) {
        List<String> out = new ArrayList<>();
        p.forEach((k, v) -> out.add(ByteBuffer.wrap(k, 5, 8).getLong() + "=" + (v == DELETED ? "deleted"
                : new String(v, java.nio.charset.StandardCharsets.UTF_8))));
        return out;
    }

    @Test
    void anAscendingRunBecomesOneRecordWithItsRowsInOrder() {
        BulkPending p = new BulkPending(DELETED);
        for (int i = 1; i <= 5000; i++) {
            assertThat(p.put(key(7, i), value("v" + i))).isNull();
        }
        assertThat(p.get(key(7, 1234))).isEqualTo(value("v1234"));
        assertThat(p.get(key(7, 5001))).isNull();
        assertThat(p.get(key(7, 0))).isNull();
        WalRecord r = p.runAsRecord(42);
        assertThat(r).isNotNull();
        List<String> decoded = new ArrayList<>();
        assertThat(KvBulk.decodeRows(r, (k, v) -> decoded.add(ByteBuffer.wrap(k, 5, 8).getLong() + "=" + new String(v,
                java.nio.charset.StandardCharsets.UTF_8)))).isEqualTo(5000);
        assertThat(decoded.get(0)).isEqualTo("1=v1");
        assertThat(decoded.get(4999)).isEqualTo("5000=v5000");
        p.clear();
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.put(key(7, 1), value("again"))).isNull(); // a cleared run starts over
        assertThat(rows(p)).containsExactly("1=again");
    }

    @Test
    void aRunKeyWrittenAgainOrOutOfOrderMovesTheRunToTheMap() {
        BulkPending p = new BulkPending(DELETED);
        p.put(key(7, 1), value("a"));
        p.put(key(7, 2), value("b"));
        p.put(key(7, 3), DELETED);
        assertThat(p.get(key(7, 3))).isSameAs(DELETED);
        assertThat(p.put(key(7, 2), value("B"))).isEqualTo(value("b"));
        assertThat(p.runAsRecord(1)).isNull(); // no longer the run alone
        assertThat(p.get(key(7, 2))).isEqualTo(value("B"));
        assertThat(p.get(key(7, 3))).isSameAs(DELETED);
        p.put(key(7, 9), value("c")); // past every key: the run again
        p.put(key(7, 5), value("d")); // below the run's last: the map
        assertThat(rows(p)).containsExactlyInAnyOrder("1=a", "2=B", "3=deleted", "9=c", "5=d");
        p.removeIf(k -> ByteBuffer.wrap(k, 5, 8).getLong() >= 5);
        assertThat(rows(p)).containsExactlyInAnyOrder("1=a", "2=B", "3=deleted");
        assertThat(p.get(key(7, 9))).isNull();
    }

    @Test
    void anUnloggedKeyKeepsTheRunFromBeingOneRecord() {
        byte[] unlogged = key(7, 1);
        unlogged[1] = (byte) org.walden.storage.UnloggedRanges.UNLOGGED_TAG; // an unlogged relation's relfilenode
        BulkPending p = new BulkPending(DELETED);
        p.put(key(7, 1), value("a"));
        assertThat(p.runAsRecord(1)).isNotNull();
        p.put(unlogged, value("u")); // greater: joins the run, which now must be split by the caller
        assertThat(p.runAsRecord(1)).isNull();
        assertThat(rows(p)).hasSize(2);
    }

    @Test
    void anEmptiedRangeLeavesTheRunAloneWhenNoneOfItsRowsIsInIt() {
        BulkPending p = new BulkPending(DELETED);
        for (int i = 1; i <= 100; i++) {
            p.put(key(8, i), value("v" + i));
        }
        p.removeRange(key(7, 0), key(8, 0)); // the old range of a re-key: nothing pending there
        assertThat(p.runAsRecord(1)).isNotNull(); // still the run alone, one record
        p.removeRange(key(8, 40), key(8, 60)); // rows in the middle: they go, the rest stays
        assertThat(p.get(key(8, 50))).isNull();
        assertThat(p.get(key(8, 60))).isEqualTo(value("v60"));
        assertThat(rows(p)).hasSize(80);
        BulkPending q = new BulkPending(DELETED);
        q.put(key(8, 1), value("a"));
        q.put(key(8, 2), value("b"));
        q.removeRange(key(8, 0), key(9, 0)); // the whole run
        assertThat(q.isEmpty()).isTrue();
        q.put(key(8, 1), value("again"));
        assertThat(q.runAsRecord(1)).isNotNull();
    }
}
