package org.walden.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DbPath;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Which column family of the store each key goes to. Tablespace OID {@code n} has the family
 * {@code tblspc_n}, whose SST files RocksDB writes in the tablespace's version directory
 * ({@code DATA/pg_tblspc/n/PG_15_202209061/walden_kv}, through the link, so a base backup
 * restored with -T or a tablespace_map finds them at the new location); the MANIFEST and the
 * default family stay under {@code base/}.
 *
 * <p>A relation's keys are {@code 02 relfilenode:4 ...}; a relfilenode placed in a tablespace
 * ({@link #place}, from CREATE TABLE / INDEX ... TABLESPACE, SET TABLESPACE, TRUNCATE and
 * rewrites, and their redo) is recorded in the default family under {@code 04 relfilenode:4}
 * (value: tablespace OID:4) and in memory; the records are read back when the store opens, so
 * the routing is right before redo begins. A crash may lose a record written since the last
 * checkpoint, but the TBLSPC PLACE record that made it is replayed before any row of the
 * relfilenode. Keys of other relfilenodes, and the catalog keyspaces, go to the default family.
 *
 * <p>Thread-safe: the maps are concurrent; a placement is made before its relfilenode's first
 * row and never changes while the relfilenode has rows.
 */
final class TablespaceRouting {

    /** The keyspace of the placement records in the default family. */
    static final byte PLACEMENT_KEYSPACE = 0x04;
    private static final byte DATA = 0x02;
    static final String FAMILY_PREFIX = "tblspc_";
    /** The directory of a tablespace family's SST files, under the tablespace's version directory. */
    static final String FAMILY_DIR = TablespaceDirectories.STORAGE_DIR;
    /** In a storage checkpoint (a backup's snapshot): the SST files of tablespace OID, under {@code tblspc_files/OID}. */
    static final String SNAPSHOT_DIR = TablespaceDirectories.SNAPSHOT_DIR;

    // RocksDB's WriteBatch record types (its ValueType)
    private static final byte TYPE_DELETION = 0x00;
    private static final byte TYPE_VALUE = 0x01;
    private static final byte TYPE_CF_DELETION = 0x04;
    private static final byte TYPE_CF_VALUE = 0x05;

    private final ColumnFamilyHandle defaultFamily;
    /** Tablespace OID to its family. */
    private final Map<Integer, ColumnFamilyHandle> families = new ConcurrentHashMap<>();
    /** relfilenode to tablespace OID, for the relfilenodes not in the default tablespace. */
    private final Map<Integer, Integer> placements = new ConcurrentHashMap<>();

    TablespaceRouting(ColumnFamilyHandle defaultFamily) {
        this.defaultFamily = defaultFamily;
    }

    static byte[] familyName(int oid) {
        return (FAMILY_PREFIX + Integer.toUnsignedString(oid)).getBytes(StandardCharsets.UTF_8);
    }

    /** The tablespace OID of a family name, or -1 for the default family or a foreign name. */
    static long oidOfFamily(byte[] name) {
        String s = new String(name, StandardCharsets.UTF_8);
        if (!s.startsWith(FAMILY_PREFIX)) {
            return -1;
        }
        try {
            return Integer.toUnsignedLong(Integer.parseUnsignedInt(s.substring(FAMILY_PREFIX.length())));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Where tablespace {@code oid}'s family keeps its files (through the pg_tblspc link). */
    static Path familyDirectory(Path baseDir, int oid) {
        return baseDir.toAbsolutePath().getParent().resolve(TablespaceDirectories.TBLSPC_DIR)
                .resolve(Integer.toUnsignedString(oid)).resolve(TablespaceDirectories.VERSION_DIRECTORY).resolve(FAMILY_DIR);
    }

    /** The tablespaces whose families the database in {@code baseDir} has (none for a new one). */
    static List<Integer> existingTablespaces(Path baseDir) {
        List<Integer> out = new ArrayList<>();
        if (!Files.exists(baseDir.resolve("CURRENT"))) {
            return out;
        }
        try (Options o = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(o, baseDir.toString())) {
                long oid = oidOfFamily(name);
                if (oid >= 0) {
                    out.add((int) oid);
                }
            }
        } catch (RocksDBException e) {
            return out; // opening reports what is wrong with the database
        }
        return out;
    }

    /** A tablespace family's options: the default family's, with its files in the tablespace. */
    static ColumnFamilyOptions familyOptions(ColumnFamilyOptions base, Path baseDir, int oid) throws IOException {
        Path dir = familyDirectory(baseDir, oid);
        Files.createDirectories(dir);
        return new ColumnFamilyOptions(base).setCfPaths(List.of(new DbPath(dir, Long.MAX_VALUE)));
    }

    void addFamily(ColumnFamilyHandle h) throws RocksDBException {
        long oid = oidOfFamily(h.getName());
        if (oid >= 0) {
            families.put((int) oid, h);
        }
    }

    boolean hasTablespace(int oid) {
        return families.containsKey(oid);
    }

    ColumnFamilyHandle familyOf(int oid) {
        return families.get(oid);
    }

    Set<Integer> tablespaces() {
        return Set.copyOf(families.keySet());
    }

    /** The default family first, then the tablespaces' in OID order. */
    List<ColumnFamilyHandle> families() {
        List<ColumnFamilyHandle> out = new ArrayList<>(families.size() + 1);
        out.add(defaultFamily);
        for (int oid : new TreeSet<>(families.keySet())) {
            ColumnFamilyHandle h = families.get(oid);
            if (h != null) {
                out.add(h);
            }
        }
        return out;
    }

    int tablespaceOf(int relfilenode) {
        return placements.getOrDefault(relfilenode, 0);
    }

    /** The family of one key. */
    ColumnFamilyHandle family(byte[] key) {
        return placements.isEmpty() ? defaultFamily : family(key, 0, key.length);
    }

    /** The family of the key in {@code source[offset, offset + length)}. */
    ColumnFamilyHandle family(byte[] source, int offset, int length) {
        if (placements.isEmpty() || length < 5 || source[offset] != DATA) {
            return defaultFamily;
        }
        Integer ts = placements.get(ByteBuffer.wrap(source, offset + 1, 4).getInt());
        if (ts == null) {
            return defaultFamily;
        }
        ColumnFamilyHandle h = families.get(ts);
        return h == null ? defaultFamily : h;
    }

    /**
     * The one family holding every key of [from, to): that of the relfilenode when the range lies
     * within one, the default family for a range within another keyspace; null when it may span
     * several (a caller then works on each).
     */
    ColumnFamilyHandle familyOfRange(byte[] from, byte[] to) {
        if (families.isEmpty()) {
            return defaultFamily;
        }
        if (from.length >= 1 && from[0] != DATA && to != null && from[0] != (byte) 0xFF
                && Arrays.compareUnsigned(to, new byte[] {(byte) (from[0] + 1)}) <= 0) {
            return defaultFamily; // within one keyspace other than the rows'
        }
        if (from.length >= 5 && from[0] == DATA && to != null) {
            int rfn = ByteBuffer.wrap(from, 1, 4).getInt();
            if (rfn != -1) {
                byte[] end = ByteBuffer.allocate(5).put(DATA).putInt(rfn + 1).array();
                if (Arrays.compareUnsigned(to, end) <= 0) {
                    return family(from);
                }
            }
        }
        return null;
    }

    List<ColumnFamilyHandle> familiesOfRange(byte[] from, byte[] to) {
        ColumnFamilyHandle h = familyOfRange(from, to);
        return h != null ? List.of(h) : families();
    }

    /**
     * A serialized WriteBatch of default-family puts and deletes (see {@link WriteBatchFormat})
     * with the records of keys placed in a tablespace turned into records of its family; the
     * same array when no key moves.
     */
    byte[] route(byte[] rep) {
        if (placements.isEmpty()) {
            return rep;
        }
        ByteArrayOutputStream out = null;
        int pos = WriteBatchFormat.HEADER_BYTES;
        int copiedTo = 0;
        int[] cursor = new int[1];
        while (pos < rep.length) {
            int recordStart = pos;
            byte type = rep[pos++];
            cursor[0] = pos;
            int keyLength = varint(rep, cursor);
            int keyOffset = cursor[0];
            pos = keyOffset + keyLength;
            if (type == TYPE_VALUE) {
                cursor[0] = pos;
                int valueLength = varint(rep, cursor);
                pos = cursor[0] + valueLength;
            } else if (type != TYPE_DELETION) {
                throw new IllegalStateException("unexpected WriteBatch record type " + type);
            }
            ColumnFamilyHandle h = family(rep, keyOffset, keyLength);
            if (h != defaultFamily) {
                if (out == null) {
                    out = new ByteArrayOutputStream(rep.length + 64);
                }
                out.write(rep, copiedTo, recordStart - copiedTo);
                out.write(type == TYPE_VALUE ? TYPE_CF_VALUE : TYPE_CF_DELETION);
                writeVarint(out, h.getID());
                out.write(rep, recordStart + 1, pos - recordStart - 1);
                copiedTo = pos;
            }
        }
        if (out == null) {
            return rep;
        }
        out.write(rep, copiedTo, rep.length - copiedTo);
        return out.toByteArray();
    }

    private static int varint(byte[] b, int[] cursor) {
        int result = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b[cursor[0]++] & 0xFF;
            result |= (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static byte[] placementKey(int relfilenode) {
        return ByteBuffer.allocate(5).put(PLACEMENT_KEYSPACE).putInt(relfilenode).array();
    }

    void place(RocksDB db, WriteOptions wo, int relfilenode, int tablespaceOid) throws RocksDBException {
        if (tablespaceOid == 0) {
            if (placements.remove(relfilenode) != null) {
                db.delete(defaultFamily, wo, placementKey(relfilenode));
            }
            return;
        }
        db.put(defaultFamily, wo, placementKey(relfilenode), ByteBuffer.allocate(4).putInt(tablespaceOid).array());
        placements.put(relfilenode, tablespaceOid);
    }

    /**
     * Reads the placements back when the store opens, after its families are known. A record
     * naming a tablespace without a family is left out: the tablespace was dropped (its family
     * drop is in the MANIFEST at once) while the record's removal was still in a memtable.
     */
    void loadPlacements(RocksDB db, ColumnFamilyHandle family) {
        try (RocksIterator it = db.newIterator(family)) {
            for (it.seek(new byte[] {PLACEMENT_KEYSPACE}); it.isValid() && it.key()[0] == PLACEMENT_KEYSPACE; it.next()) {
                int tablespace = ByteBuffer.wrap(it.value()).getInt();
                if (families.containsKey(tablespace)) {
                    placements.put(ByteBuffer.wrap(it.key(), 1, 4).getInt(), tablespace);
                }
            }
        }
    }

    /** Forgets tablespace {@code oid}: its family and the placements of relfilenodes in it. */
    void forgetTablespace(RocksDB db, WriteOptions wo, int oid) throws RocksDBException {
        for (var e : List.copyOf(placements.entrySet())) {
            if (e.getValue() == oid) {
                place(db, wo, e.getKey(), 0);
            }
        }
        families.remove(oid);
    }

    void closeHandles() {
        for (ColumnFamilyHandle h : families.values()) {
            h.close();
        }
        families.clear();
    }

    /**
     * A storage checkpoint of a database with tablespace families, as RocksDB's Checkpoint makes
     * one without them (which it refuses): with file deletions held off, the memtables are
     * flushed and the live files listed; each SST file is hard-linked (copied across file
     * systems) into {@code target}, or into {@code target/tblspc_files/OID} when it is in
     * tablespace OID's directory; the MANIFEST is copied up to its size at the listing, the
     * OPTIONS file copied and CURRENT written.
     */
    static void checkpoint(RocksDB db, Path baseDir, Set<Integer> tablespaces, Path target)
            throws RocksDBException, IOException {
        Files.createDirectory(target);
        db.disableFileDeletions();
        try {
            RocksDB.LiveFiles live = db.getLiveFiles(true);
            String manifest = null;
            for (String f : live.files) {
                String name = f.startsWith("/") ? f.substring(1) : f;
                Path source = baseDir.resolve(name);
                if (name.equals("CURRENT")) {
                    continue;
                }
                if (name.startsWith("MANIFEST-")) {
                    manifest = name;
                    try (var in = Files.newInputStream(source); var out = Files.newOutputStream(target.resolve(name))) {
                        byte[] buf = new byte[65536];
                        long left = live.manifestFileSize;
                        while (left > 0) {
                            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                            if (n < 0) {
                                break;
                            }
                            out.write(buf, 0, n);
                            left -= n;
                        }
                    }
                    continue;
                }
                Path into = target;
                if (!Files.exists(source)) {
                    for (int oid : tablespaces) {
                        Path candidate = familyDirectory(baseDir, oid).resolve(name);
                        if (Files.exists(candidate)) {
                            source = candidate;
                            into = Files.createDirectories(target.resolve(SNAPSHOT_DIR).resolve(Integer.toUnsignedString(oid)));
                            break;
                        }
                    }
                }
                if (name.endsWith(".sst") || name.endsWith(".blob")) {
                    try {
                        Files.createLink(into.resolve(name), source);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(source, into.resolve(name));
                    }
                } else {
                    Files.copy(source, into.resolve(name));
                }
            }
            if (manifest == null) {
                throw new IOException("no MANIFEST among the live files");
            }
            Files.writeString(target.resolve("CURRENT"), manifest + "\n", StandardCharsets.US_ASCII);
        } finally {
            db.enableFileDeletions();
        }
    }

    /**
     * Before the store opens: a storage snapshot restored as {@code base/} (pg_backup_start's
     * copy, or a base backup of an in-place tablespace) brings the files of each tablespace
     * family in {@code tblspc_files/OID}; they replace what the tablespace's family directory
     * holds (a live copy, not consistent with this snapshot's MANIFEST).
     */
    static void restoreSnapshotFiles(Path baseDir) throws IOException {
        Path root = baseDir.resolve(SNAPSHOT_DIR);
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.toList();
        }
        for (Path d : dirs) {
            int oid = Integer.parseUnsignedInt(d.getFileName().toString());
            Path target = familyDirectory(baseDir, oid);
            Files.createDirectories(target);
            deleteFiles(target);
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.toList()) {
                    Files.move(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.delete(d);
        }
        Files.delete(root);
    }

    /** DROP TABLESPACE: the files RocksDB leaves in the dropped family's directory, and the directory. */
    static void removeFamilyDirectory(Path baseDir, int oid) throws IOException {
        Path dir = familyDirectory(baseDir, oid);
        if (Files.isDirectory(dir)) {
            deleteFiles(dir);
            Files.delete(dir);
        }
    }

    private static void deleteFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
