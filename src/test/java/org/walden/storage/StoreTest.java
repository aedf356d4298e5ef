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

    /** A ROWS record of {@code rows} ascending keys under prefix {@code p}, 1 KB each: ingested as a file. */
    private static org.walden.wal.WalRecord bulkRows(int p, int rows) {
        org.walden.wal.KvBulk.RowsBuilder b = new org.walden.wal.KvBulk.RowsBuilder();
        java.util.Random random = new java.util.Random(p);
        for (int i = 0; i < rows; i++) {
            byte[] value = new byte[1024];
            random.nextBytes(value); // incompressible: the file's size is the rows'
            b.add(k(p, i >> 8, i & 0xFF), value);
        }
        return b.toRecord(7);
    }

    @Test
    void aDeletedRangesFilesGoOnceNoOlderSnapshotIsOpen() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.applyRows(bulkRows(2, 1000)); // about 1 MB: an SST file of range [2, 3)
            store.applyRows(bulkRows(4, 1000)); // a neighbour that stays
            assertThat(store.approximateBytes(k(2), k(3))).isGreaterThan(500_000);
            try (StoreSnapshot before = store.snapshot()) {
                store.apply(List.of(), List.of(new org.walden.wal.KvBulk.Range(k(2), k(3)))); // a DROP TABLE's commit
                assertThat(store.getLatest(k(2, 0, 1))).isNull();
                // the snapshot taken before the delete still reads the rows: their file stays
                assertThat(store.get(before, k(2, 0, 1))).hasSize(1024);
                assertThat(store.approximateBytes(k(2), k(3))).isGreaterThan(500_000);
            }
            store.apply(List.of(new KvChange(k(5, 1), k(1), null))); // the next commit drops the file
            assertThat(store.approximateBytes(k(2), k(3))).isLessThan(10_000);
            assertThat(store.getLatest(k(2, 0, 1))).isNull();
            assertThat(store.getLatest(k(4, 3, 0xE7))).hasSize(1024);
            store.deleteRange(k(4), k(5)); // no snapshot open: at once
            assertThat(store.approximateBytes(k(4), k(5))).isLessThan(10_000);
            assertThat(store.getLatest(k(5, 1))).containsExactly(1);
        }
    }

    @Test
    void freshRangeFilesOverAnEmptiedRangeStillHideItsOldRows() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(k(2, 0, 1), k(9), null), new KvChange(k(2, 9, 9), k(9), null)));
            store.emptyFreshRange(k(2), k(3)); // a crashed load's leftovers under a reused OID
            try (StoreSnapshot before = store.snapshot()) {
                store.applyRows(bulkRows(2, 600));
                assertThat(store.get(before, k(2, 0, 1))).isNull(); // neither the old row nor the new
                assertThat(store.get(before, k(2, 0, 2))).isNull();
                assertThat(store.getLatest(k(2, 0, 1))).hasSize(1024);
                assertThat(store.getLatest(k(2, 9, 9))).isNull();
            }
        }
    }

    @Test
    void aFreshRangeLoadedWhileItsLeftoversWaitToBeDroppedKeepsItsFiles() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(k(2, 0, 1), k(9), null), new KvChange(k(2, 9, 9), k(9), null)));
            store.flush(); // a crashed load's leftovers, in files
            try (StoreSnapshot creating = store.snapshot()) { // the statement creating the range
                store.emptyFreshRange(k(2), k(3)); // their drop waits for that snapshot
                store.applyRows(bulkRows(2, 600)); // the load's files, in the same range
            }
            store.apply(List.of(new KvChange(k(5, 1), k(1), null))); // a later commit
            assertThat(store.getLatest(k(2, 0, 1))).hasSize(1024);
            assertThat(store.getLatest(k(2, 9, 9))).isNull();
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
    void snapshotsTakenWithNoWriteBetweenShareOneViewThatLivesWhileAnyIsOpen() {
        try (Store store = Store.open(dir.resolve("base"))) {
            store.apply(List.of(new KvChange(k(2, 1), k(10), null)));
            StoreSnapshot first = store.snapshot();
            StoreSnapshot second = store.snapshot(); // nothing written since the first: its view again
            first.close();
            first.close(); // twice: harmless, the second's hold stays
            store.apply(List.of(new KvChange(k(2, 1), k(11), null)));
            assertThat(store.get(second, k(2, 1))).containsExactly(10);
            assertThat(store.unchangedSince(second)).isFalse();
            try (StoreSnapshot third = store.snapshot()) { // taken after the write: sees it
                assertThat(store.get(third, k(2, 1))).containsExactly(11);
                assertThat(store.unchangedSince(third)).isTrue();
                second.close();
                try (StoreSnapshot fourth = store.snapshot(); StoreIterator it = store.scan(fourth, k(2), k(3))) {
                    assertThat(it.next()).isTrue();
                    assertThat(it.value()).containsExactly(11);
                }
                assertThat(store.get(third, k(2, 1))).containsExactly(11);
            }
            // every hold closed: the next snapshot is a new one, and sees the latest write
            store.apply(List.of(new KvChange(k(2, 1), k(12), null)));
            try (StoreSnapshot fifth = store.snapshot()) {
                assertThat(store.get(fifth, k(2, 1))).containsExactly(12);
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
