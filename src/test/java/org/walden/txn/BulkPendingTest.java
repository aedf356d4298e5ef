package org.walden.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BulkPendingTest {

    private static byte[] k(int a, int b) {
        return new byte[] {(byte) a, (byte) b};
    }

    private static List<String> rows(BulkPending p) {
        List<String> out = new ArrayList<>();
        p.forEach((key, value) -> out.add(key[0] + "." + key[1] + "=" + value[0]));
        return out;
    }

    @Test
    void aRangeRemovedFromTheRunLeavesTheRestInKeyOrderAndLaterRowsStillAppend() {
        BulkPending p = new BulkPending();
        for (int i = 1; i <= 5; i++) {
            p.put(k(7, i), new byte[] {(byte) i});
        }
        p.removeRange(k(3, 0), k(4, 0)); // nothing pending there
        assertThat(rows(p)).containsExactly("7.1=1", "7.2=2", "7.3=3", "7.4=4", "7.5=5");
        p.removeRange(k(7, 2), k(7, 4));
        assertThat(rows(p)).containsExactly("7.1=1", "7.4=4", "7.5=5");
        assertThat(p.get(k(7, 2))).isNull();
        assertThat(p.get(k(7, 4))).containsExactly(4);
        // the tail removed: a key above the new last appends, a key below it replaces or goes to the map
        p.removeRange(k(7, 5), k(8, 0));
        p.put(k(7, 6), new byte[] {6});
        p.put(k(7, 1), new byte[] {9});
        p.put(k(7, 3), new byte[] {3});
        assertThat(rows(p)).containsExactly("7.1=9", "7.4=4", "7.6=6", "7.3=3");
        // with rows in the map, the range goes from both
        p.removeRange(k(7, 3), k(7, 5));
        assertThat(rows(p)).containsExactly("7.1=9", "7.6=6");
        assertThat(p.get(k(7, 3))).isNull();
    }
}
