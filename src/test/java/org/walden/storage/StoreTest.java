package org.walden.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.wal.KvChange;

class StoreTest {

    @TempDir
    Path dir;

    private static byte[] k(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void rowsRecordsAndRangeDeletesApplyAsRocksDbBatches() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(k(2, 9), k(1), null), new KvChange(k(3, 1), k(2), null)));
            org.walden.wal.KvBulk.RowsBuilder rows = new org.walden.wal.KvBulk.RowsBuilder();
            byte[] big = new byte[70_000]; // a varint length of three bytes
            java.util.Arrays.fill(big, (byte) 7);
            rows.add(k(2, 1), big);
            rows.add(k(2, 2), new byte[0]);
            rows.add(k(2, 9), null);
            rows.add(new byte[200], k(5)); // a key of a two-byte varint length
            store.applyRows(rows.toRecord(42));
            assertThat(store.getLatest(k(2, 1))).isEqualTo(big);
            assertThat(store.getLatest(k(2, 2))).isEmpty();
            assertThat(store.getLatest(k(2, 9))).isNull();
            assertThat(store.getLatest(new byte[200])).containsExactly(5);
            // a commit that empties a range and writes in the same batch
            store.apply(List.of(new KvChange(k(2, 3), k(9), null)),
                    List.of(new org.walden.wal.KvBulk.Range(k(2), k(3))));
            assertThat(store.getLatest(k(2, 1))).isNull();
            assertThat(store.getLatest(k(2, 3))).containsExactly(9);
            assertThat(store.getLatest(k(3, 1))).containsExactly(2);
            store.deleteRange(k(3), k(4));
            assertThat(store.getLatest(k(3, 1))).isNull();
        }
    }

    /** A batch of rows large enough and in key order: applied as one ingested SST file. */
    private static void ingestRows(Store store, int prefix, int first, int count) {
        org.walden.wal.KvBulk.RowsBuilder rows = new org.walden.wal.KvBulk.RowsBuilder();
        for (int i = first; i < first + count; i++) {
            rows.add(k(prefix, i >>> 16 & 0xFF, i >>> 8 & 0xFF, i & 0xFF), new byte[200]);
        }
        store.applyRows(rows.toRecord(7));
    }

    @Test
    void anEmptiedRangesFilesAreDroppedUnlessAnOlderSnapshotMayReadThem() {
        try (Store store = Store.open(dir.resolve("base"))) {
            ingestRows(store, 4, 0, 5000);
            ingestRows(store, 4, 5000, 5000);
            assertThat(store.filesWithin(k(4), k(5))).isEqualTo(2);
            // an older snapshot: the tombstone hides the rows from later readers, the files stay for it
            try (StoreSnapshot old = store.snapshot()) {
                store.apply(List.of(), List.of(new org.walden.wal.KvBulk.Range(k(4), k(5))));
                assertThat(store.getLatest(k(4, 0, 0, 1))).isNull();
                assertThat(store.get(old, k(4, 0, 0, 1))).hasSize(200);
                assertThat(store.filesWithin(k(4), k(5))).isEqualTo(2);
            }
            // ... until that snapshot is released
            assertThat(store.filesWithin(k(4), k(5))).isZero();
            assertThat(store.getLatest(k(4, 0, 0, 1))).isNull();
            // a range emptied under an older snapshot and then written again as a fresh range (a
            // relfilenode reused): its new files stay when the snapshot goes
            ingestRows(store, 5, 0, 5000);
            try (StoreSnapshot old = store.snapshot()) {
                store.apply(List.of(), List.of(new org.walden.wal.KvBulk.Range(k(5), k(6))));
                store.emptyFreshRange(k(5), k(6));
                ingestRows(store, 5, 10000, 5000);
            }
            assertThat(store.getLatest(k(5, 0, 0x27, 0x10))).hasSize(200);
            assertThat(store.getLatest(k(5, 0, 0, 1))).isNull();
            // no older snapshot: a commit's range delete drops the (bottom-level) files at once,
            // without a compaction reading them
            ingestRows(store, 6, 0, 5000);
            ingestRows(store, 6, 5000, 5000);
            assertThat(store.filesWithin(k(6), k(7))).isEqualTo(2);
            store.apply(List.of(), List.of(new org.walden.wal.KvBulk.Range(k(6), k(7))));
            assertThat(store.filesWithin(k(6), k(7))).isZero();
            assertThat(store.getLatest(k(6, 0, 0, 1))).isNull();
            // and so does a range emptied on its own (an abort, a fresh range's leftovers)
            ingestRows(store, 8, 0, 5000);
            assertThat(store.filesWithin(k(8), k(9))).isEqualTo(1);
            store.deleteRange(k(8), k(9));
            assertThat(store.filesWithin(k(8), k(9))).isZero();
            try (StoreSnapshot snap = store.snapshot(); StoreIterator it = store.scan(snap, k(6), k(9))) {
                assertThat(it.next()).isFalse();
            }
        }
    }

    @Test
    void snapshotsSeeOnlyEarlierBatchesAndScanInUnsignedOrder() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(k(2, 1), k(10), null), new KvChange(k(2, 0xF0), k(11), null)));
            try (StoreSnapshot snap = store.snapshot()) {
                store.apply(List.of(new KvChange(k(2, 5), k(12), null), new KvChange(k(2, 1), null, k(10))));
                assertThat(store.get(snap, k(2, 1))).containsExactly(10);
                assertThat(store.getLatest(k(2, 1))).isNull();
                List<Integer> seen = new ArrayList<>();
                try (StoreIterator it = store.scan(snap, k(2), k(3))) {
                    while (it.next()) {
                        seen.add(it.value()[0] & 0xFF);
                    }
                }
                assertThat(seen).containsExactly(10, 11);
            }
            try (StoreSnapshot snap = store.snapshot(); StoreIterator it = store.scan(snap, k(2, 2), k(2, 0xF0))) {
                assertThat(it.next()).isTrue();
                assertThat(it.key()).containsExactly(2, 5);
                assertThat(it.next()).isFalse();
            }
        }
    }

    @Test
    void flushedDataSurvivesReopenAndCheckpointCopies() throws Exception {
        Path base = dir.resolve("base");
        try (Store store = Store.open(base)) {
            store.apply(List.of(new KvChange(k(2, 1), k(1), null)));
            store.flush();
            store.createCheckpoint(dir.resolve("copy"));
            store.apply(List.of(new KvChange(k(2, 2), k(2), null))); // not flushed: lost at close
        }
        try (Store store = Store.open(base)) {
            assertThat(store.getLatest(k(2, 1))).containsExactly(1);
            assertThat(store.getLatest(k(2, 2))).isNull();
        }
        assertThat(Files.list(dir.resolve("copy")).count()).isPositive();
        try (Store copy = Store.open(dir.resolve("copy"))) {
            assertThat(copy.getLatest(k(2, 1))).containsExactly(1);
        }
    }

    @Test
    void theFlushHookRunsBeforeAMemtableIsWritten() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (Store store = Store.open(dir.resolve("base"), calls::incrementAndGet, StoreMemory.DEFAULT)) {
            store.apply(List.of(new KvChange(k(2, 1), k(1), null)));
            store.flush();
            assertThat(calls.get()).isEqualTo(1);
        }
    }

    @Test
    void closingReleasesOpenSnapshotsAndLateUseIsRefused() {
        Store store = Store.open(dir.resolve("base"));
        store.apply(List.of(new KvChange(k(2, 1), k(1), null)));
        StoreSnapshot snap = store.snapshot();
        StoreIterator it = store.scan(snap, k(2), k(3));
        store.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(it::next)
                .isInstanceOf(org.walden.common.PgException.class)
                .hasMessage("terminating connection due to administrator command");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.get(snap, k(2, 1)))
                .isInstanceOf(org.walden.common.PgException.class);
        it.close();
        snap.close();
        store.close();
    }

    @Test
    void deferredCompactionsWaitForResumeThenCompactTheFlushedFiles() throws InterruptedException {
        try (Store store = Store.open(dir.resolve("base"), () -> { }, StoreMemory.DEFAULT, true)) {
            for (int i = 0; i < 6; i++) { // RocksDB compacts level 0 from 4 files on
                store.apply(List.of(new KvChange(k(2, i), k(i), null), new KvChange(k(2, 100), k(i), null)));
                store.flush();
            }
            assertThat(store.level0Files()).isEqualTo(6);
            store.resumeCompactions();
            store.resumeCompactions(); // again: no effect
            for (int wait = 0; wait < 600 && store.level0Files() >= 4; wait++) {
                Thread.sleep(100);
            }
            assertThat(store.level0Files()).isLessThan(4);
            assertThat(store.getLatest(k(2, 100))).containsExactly(5);
            assertThat(store.getLatest(k(2, 3))).containsExactly(3);
        }
    }
}
