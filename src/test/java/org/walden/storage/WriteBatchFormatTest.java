package org.walden.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.wal.KvChange;

/** Redo's last-write-wins batch, written to a real store: what readers find afterwards. */
class WriteBatchFormatTest {

    @TempDir
    Path dir;

    private static byte[] key(int table, int id) {
        return ByteBuffer.allocate(9).put((byte) 2).putInt(table).putInt(id).array();
    }

    private static byte[] value(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    /** Adds a put (or, with a null value, a delete) as redo does: slices of one record's bytes. */
    private static void add(WriteBatchFormat batch, byte[] key, byte[] value) {
        if (value == null) {
            batch.add(key, 0, key.length, -1, 0);
            return;
        }
        byte[] both = ByteBuffer.allocate(key.length + value.length + 3).put(new byte[3]).put(key).put(value).array();
        batch.add(both, 3, key.length, 3 + key.length, value.length);
    }

    @Test
    void aKeyWrittenAgainInTheBatchKeepsItsLastWriteAndTheOthersTheirs() throws Exception {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(key(1, 7), value(70), null), new KvChange(key(1, 8), value(80), null)));
            WriteBatchFormat batch = WriteBatchFormat.lastWriteWins();
            add(batch, key(1, 1), value(1));
            add(batch, key(1, 2), value(2));
            add(batch, key(1, 1), value(3));       // replaces the first put
            add(batch, key(1, 2), null);           // a delete replaces the put
            add(batch, key(1, 7), null);           // a stored row deleted ...
            add(batch, key(1, 7), value(71));      // ... and put again
            add(batch, key(1, 8), value(81));      // a stored row put ...
            add(batch, key(1, 8), null);           // ... then deleted
            add(batch, key(0, 9), value(9));       // sorts before the others
            assertThat(batch.liveEntries()).isEqualTo(5);
            store.write(batch);
            batch.clear();
            assertThat(store.getLatest(key(1, 1))).isEqualTo(value(3));
            assertThat(store.getLatest(key(1, 2))).isNull();
            assertThat(store.getLatest(key(1, 7))).isEqualTo(value(71));
            assertThat(store.getLatest(key(1, 8))).isNull();
            assertThat(store.getLatest(key(0, 9))).isEqualTo(value(9));

            // the same instance again: nothing of the last batch is remembered
            add(batch, key(1, 1), value(4));
            assertThat(batch.liveEntries()).isEqualTo(1);
            store.write(batch);
            assertThat(store.getLatest(key(1, 1))).isEqualTo(value(4));
        }
    }

    @Test
    void manyRewritesOfAFewHundredKeysLeaveEachKeysLastValue() throws Exception {
        try (Store store = Store.open(dir.resolve("base"))) {
            WriteBatchFormat batch = WriteBatchFormat.lastWriteWins();
            for (int round = 0; round < 3; round++) { // the table grows in the first round, is reused after
                for (int i = 0; i < 5000; i++) {
                    add(batch, key(3, i % 700), i % 11 == 0 ? null : value(round * 10_000 + i));
                    add(batch, key(4, i), value(i)); // keys written once, interleaved
                }
                assertThat(batch.liveEntries()).isEqualTo(700 + 5000);
                store.write(batch);
                batch.clear();
                for (int k = 0; k < 700; k++) {
                    int last = k < 100 ? 4900 + k : 4200 + k; // the last i < 5000 with i % 700 == k
                    assertThat(store.getLatest(key(3, k))).as("key %d, round %d", k, round)
                            .isEqualTo(last % 11 == 0 ? null : value(round * 10_000 + last));
                }
                assertThat(store.getLatest(key(4, 4999))).isEqualTo(value(4999));
            }
        }
    }

    @Test
    void theSerializedBatchHoldsEachLiveKeyOnceInBytewiseOrder() {
        java.util.Random random = new java.util.Random(13);
        WriteBatchFormat batch = WriteBatchFormat.lastWriteWins();
        java.util.TreeSet<byte[]> expected = new java.util.TreeSet<>(java.util.Arrays::compareUnsigned);
        for (int i = 0; i < 3000; i++) {
            // lengths 0..24 over few byte values: keys sharing 8 and 16 byte prefixes, keys that
            // are prefixes of others, and bytes above 0x7F (unsigned order)
            byte[] key = new byte[random.nextInt(25)];
            for (int b = 0; b < key.length; b++) {
                key[b] = (byte) (random.nextInt(3) == 0 ? 0x80 + random.nextInt(2) : random.nextInt(2));
            }
            add(batch, key, random.nextBoolean() ? null : value(i));
            expected.add(key);
        }
        // two keys equal in their first 16 bytes whose last bytes hash alike (31 * 0 + 31 == 31 * 1 + 0)
        byte[] first = new byte[18];
        byte[] second = new byte[18];
        first[17] = 31;
        second[16] = 1;
        add(batch, first, value(1));
        add(batch, second, value(2));
        expected.add(first);
        expected.add(second);
        byte[] rep = batch.serialized();
        List<byte[]> keys = new java.util.ArrayList<>();
        int at = WriteBatchFormat.HEADER_BYTES;
        while (at < rep.length) {
            byte type = rep[at++];
            int[] length = new int[1];
            at = varint(rep, at, length);
            keys.add(java.util.Arrays.copyOfRange(rep, at, at + length[0]));
            at += length[0];
            if (type == WriteBatchFormat.TYPE_VALUE) {
                at = varint(rep, at, length) + length[0];
            }
        }
        assertThat(keys).hasSize(expected.size()).hasSize(batch.liveEntries());
        assertThat(keys).containsExactlyElementsOf(expected);
    }

    private static int varint(byte[] b, int at, int[] value) {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[at++];
            v |= (x & 0x7F) << shift;
            if (x >= 0) {
                value[0] = v;
                return at;
            }
        }
    }

    @Test
    void aBatchThatKeepsEveryWriteCountsThemAll() throws Exception {
        try (Store store = Store.open(dir.resolve("base"))) {
            WriteBatchFormat batch = new WriteBatchFormat();
            add(batch, key(1, 1), value(1));
            add(batch, key(1, 1), value(2));
            assertThat(batch.liveEntries()).isEqualTo(2);
            store.write(batch);
            assertThat(store.getLatest(key(1, 1))).isEqualTo(value(2));
        }
    }
}
