package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.storage.Store;

/**
 * The write set alone: below its bound it never touches the spill space; past it, gets, puts
 * over spilled keys, removals, range removals and ordered reads see the spilled part overlaid by
 * the heap part, exactly as a plain sorted map of the same writes would; clearing empties the
 * spill area.
 */
class WriteSetTest {

    private static final byte[] DELETED = new byte[0];

    @TempDir
    Path tmp;

    private static ByteKey key(int i) {
        return new ByteKey(ByteBuffer.allocate(5).put((byte) 'd').putInt(i).array());
    }

    private static byte[] value(int i, String tag) {
        return (tag + i).getBytes();
    }

    @Test
    void smallSetNeverOpensTheSpillSpace() {
        WriteSet ws = new WriteSet(DELETED, 1 << 20, () -> {
            throw new AssertionError("the spill space was asked for");
        }, keys -> {
            throw new AssertionError("spilled");
        });
        for (int i = 0; i < 100; i++) {
            ws.put(key(i), value(i, "v"), true);
        }
        assertThat(ws.isSpilled()).isFalse();
        assertThat(ws.get(key(7))).isEqualTo(value(7, "v"));
        ws.clear();
        assertThat(ws.isEmpty()).isTrue();
    }

    @Test
    void spilledSetBehavesLikeASortedMap() {
        try (Store store = Store.open(tmp.resolve("base"))) {
            java.util.Set<ByteKey> told = new java.util.HashSet<>();
            WriteSet ws = new WriteSet(DELETED, 16 * 1024, store::spillStore, told::addAll);
            TreeMap<ByteKey, byte[]> model = new TreeMap<>();
            for (int i = 0; i < 2000; i++) {
                byte[] v = i % 10 == 3 ? DELETED : value(i, "a");
                assertThat(ws.put(key(i), v, true)).isNull();
                model.put(key(i), v);
            }
            assertThat(ws.isSpilled()).isTrue();
            assertThat(ws.spills()).isGreaterThan(1);
            assertThat(told).hasSizeGreaterThan(1000);
            assertThat(ws.inSpilled(key(0))).isTrue();
            // rewrites of spilled keys report what they replace and win over the spilled value
            for (int i = 0; i < 2000; i += 7) {
                byte[] previous = ws.put(key(i), value(i, "b"), true);
                assertThat(previous).isEqualTo(model.get(key(i)));
                model.put(key(i), value(i, "b"));
            }
            for (int i = 1; i < 2000; i += 97) {
                ws.remove(key(i));
                model.remove(key(i));
            }
            List<ByteKey> removed = new ArrayList<>();
            ws.removeRange(key(500).bytes(), key(600).bytes(), (k, v) -> {
                assertThat(v).isEqualTo(model.get(k));
                removed.add(k);
            });
            Map<ByteKey, byte[]> range = model.subMap(key(500), true, key(600), false);
            assertThat(removed).containsExactlyElementsOf(range.keySet());
            range.clear();

            for (int i = 0; i < 2000; i++) {
                byte[] got = ws.get(key(i));
                byte[] want = model.get(key(i));
                if (want == DELETED) {
                    assertThat(got).isSameAs(DELETED);
                } else {
                    assertThat(got).as("key %d", i).isEqualTo(want);
                }
            }
            assertThat(entries(ws, key(0).bytes(), null)).isEqualTo(flatten(model));
            assertThat(entries(ws, key(100).bytes(), key(900).bytes()))
                    .isEqualTo(flatten(model.subMap(key(100), true, key(900), false)));

            // a reader sees the set as it was when it began
            try (WriteSet.OwnEntries before = ws.entries(key(0).bytes(), null)) {
                ws.put(key(5000), value(5000, "late"), false);
                ws.spill();
                int n = 0;
                while (before.hasNext()) {
                    assertThat(before.next().getKey()).isNotEqualTo(key(5000));
                    n++;
                }
                assertThat(n).isEqualTo(model.size());
            }
            ws.clear();
            assertThat(ws.isEmpty()).isTrue();
            assertThat(ws.get(key(0))).isNull();
        }
    }

    private static List<String> entries(WriteSet ws, byte[] from, byte[] to) {
        List<String> out = new ArrayList<>();
        try (WriteSet.OwnEntries e = ws.entries(from, to)) {
            while (e.hasNext()) {
                Map.Entry<ByteKey, byte[]> x = e.next();
                out.add(x.getKey() + "=" + (x.getValue() == DELETED ? "<deleted>" : new String(x.getValue())));
            }
        }
        return out;
    }

    private static List<String> flatten(Map<ByteKey, byte[]> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + (v == DELETED ? "<deleted>" : new String(v))));
        return out;
    }
}
