package org.walden.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.wal.KvBulk;
import org.walden.wal.KvChange;

/**
 * The rows of relfilenodes placed in a tablespace go to its column family, whose files are in
 * the tablespace's directory: through every write path (batches, serialized batches as redo
 * writes them, range deletes, SST ingestion), read back by gets and by scans over one relation
 * or several, kept across a reopen, copied by a storage checkpoint into tblspc_files/OID, and
 * gone with DROP.
 */
class StoreTablespaceTest {

    private static final int TS = 16400;
    private static final int IN_TS = 20000;
    private static final int IN_BASE = 20001;

    @TempDir
    Path data;

    private static byte[] row(int relfilenode, int id) {
        return ByteBuffer.allocate(9).put((byte) 2).putInt(relfilenode).putInt(id).array();
    }

    /** 104 bytes that do not compress, the same for the same id. */
    private static byte[] value(int id) {
        byte[] v = new byte[104];
        new java.util.Random(id).nextBytes(v);
        return v;
    }

    private Path base() {
        return data.resolve("base");
    }

    private Path familyDir() {
        return data.resolve("pg_tblspc").resolve(Integer.toString(TS)).resolve(TablespaceDirectories.VERSION_DIRECTORY)
                .resolve(TablespaceDirectories.STORAGE_DIR);
    }

    private static long sstBytes(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".sst")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<Integer> scanIds(Store store, byte[] from, byte[] to) {
        List<Integer> out = new ArrayList<>();
        try (StoreSnapshot snap = store.snapshot(); StoreIterator it = store.scan(snap, from, to)) {
            while (it.next()) {
                out.add(ByteBuffer.wrap(it.key(), 1, 4).getInt() == IN_TS ? ByteBuffer.wrap(it.key(), 5, 4).getInt()
                        : -ByteBuffer.wrap(it.key(), 5, 4).getInt());
            }
        }
        return out;
    }

    @Test
    void rowsOfAPlacedRelfilenodeAreStoredInTheTablespaceDirectory() throws Exception {
        TablespaceDirectories.create(data, TS, "", false); // in place: pg_tblspc/TS
        try (Store store = Store.open(base())) {
            store.createTablespace(TS);
            store.place(IN_TS, TS);
            List<KvChange> changes = new ArrayList<>();
            for (int i = 1; i <= 3000; i++) {
                changes.add(new KvChange(row(IN_TS, i), value(i), null));
                changes.add(new KvChange(row(IN_BASE, i), value(i), null));
            }
            store.apply(changes);
            // a serialized batch, as redo writes it, and a ROWS record
            WriteBatchFormat batch = new WriteBatchFormat();
            byte[] k = row(IN_TS, 5000);
            byte[] v = value(5000);
            byte[] both = new byte[k.length + v.length];
            System.arraycopy(k, 0, both, 0, k.length);
            System.arraycopy(v, 0, both, k.length, v.length);
            batch.add(both, 0, k.length, k.length, v.length);
            batch.add(row(IN_BASE, 5000), 0, 9, 0, 9);
            batch.add(row(IN_TS, 1), 0, 9, -1, 0); // a delete
            store.write(batch);
            KvBulk.RowsBuilder rows = new KvBulk.RowsBuilder();
            rows.add(row(IN_TS, 6000), value(6000));
            store.applyRows(rows.toRecord(7));
            // an ingested large commit touching both families
            try (Store.SstBuilder sst = store.newSstBuilder()) {
                sst.add(row(IN_TS, 7000), value(7000));
                sst.add(row(IN_BASE, 7000), value(7000));
                store.ingest(sst, List.of());
            }
            store.flush();
            assertThat(sstBytes(familyDir())).isGreaterThan(3000L * 100);
            assertThat(store.getLatest(row(IN_TS, 1))).isNull();
            assertThat(store.getLatest(row(IN_TS, 2))).isEqualTo(value(2));
            assertThat(store.getLatest(row(IN_TS, 5000))).isEqualTo(value(5000));
            assertThat(store.getLatest(row(IN_TS, 6000))).isEqualTo(value(6000));
            assertThat(store.getLatest(row(IN_TS, 7000))).isEqualTo(value(7000));
            assertThat(store.getLatest(row(IN_BASE, 7000))).isEqualTo(value(7000));
            assertThat(store.approximateBytes(row(IN_TS, 0), row(IN_TS + 1, 0))).isGreaterThan(0L);
            // a scan over both relations merges the families in key order
            List<Integer> ids = scanIds(store, row(IN_TS, 2998), row(IN_BASE, 3));
            assertThat(ids).containsExactly(2998, 2999, 3000, 5000, 6000, 7000, -1, -2);
            assertThat(store.tablespaceEmpty(TS)).isFalse();
        }
        // reopened: the routing comes back from storage; a checkpoint puts the family's files apart
        Path copy = data.resolve("copy");
        try (Store store = Store.open(base())) {
            assertThat(store.tablespaceOf(IN_TS)).isEqualTo(TS);
            assertThat(store.getLatest(row(IN_TS, 2))).isEqualTo(value(2));
            store.createCheckpoint(copy);
            assertThat(sstBytes(copy.resolve(TablespaceDirectories.SNAPSHOT_DIR).resolve(Integer.toString(TS))))
                    .isGreaterThan(3000L * 100);
            store.deleteRange(row(IN_TS, 0), row(IN_TS + 1, 0));
            assertThat(store.tablespaceEmpty(TS)).isTrue();
            assertThat(store.getLatest(row(IN_BASE, 2))).isEqualTo(value(2));
            store.dropTablespace(TS);
            assertThat(store.tablespaces()).isEmpty();
            assertThat(familyDir()).doesNotExist();
            assertThat(store.getLatest(row(IN_BASE, 2))).isEqualTo(value(2));
        }
        try (Store store = Store.open(base())) {
            assertThat(store.tablespaces()).isEmpty();
            assertThat(store.tablespaceOf(IN_TS)).isZero();
        }
        // the checkpoint opened as storage: its tablespace files move into the tablespace's directory
        TablespaceDirectories.drop(data, TS);
        Path restored = Files.createDirectories(data.resolve("restored"));
        Files.move(copy, restored.resolve("base"));
        TablespaceDirectories.create(restored, TS, "", false);
        try (Store store = Store.open(restored.resolve("base"))) {
            assertThat(store.getLatest(row(IN_TS, 2))).isEqualTo(value(2));
            assertThat(store.getLatest(row(IN_BASE, 2))).isEqualTo(value(2));
            assertThat(restored.resolve("base").resolve(TablespaceDirectories.SNAPSHOT_DIR)).doesNotExist();
        }
    }
}
