package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.sql.types.PgType;

/** A cursor's kept rows: in memory up to the limit, then in a temporary file, read back by number. */
class CursorRowStoreTest {

    @TempDir
    Path tmp;

    @Test
    void rowsPastTheMemoryLimitGoToAFileAndComeBackInAnyOrder() throws Exception {
        CursorRowStore store = new CursorRowStore(new PgType[] {PgType.INT4, PgType.TEXT}, tmp, 1024);
        for (int i = 1; i <= 500; i++) {
            store.add(new Object[] {i, i % 3 == 0 ? null : "row " + i});
        }
        assertThat(store.last()).isEqualTo(500);
        assertThat(store.get(500)).containsExactly(500, "row 500"); // written out (buffered until a read)
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.count()).isEqualTo(1);
        }
        assertThat(store.get(1)).containsExactly(1, "row 1");
        assertThat(store.get(300)).containsExactly(300, null);
        store.add(new Object[] {501, "late"}); // written after reads
        assertThat(store.get(501)).containsExactly(501, "late");
        assertThat(store.get(250)).containsExactly(250, "row 250");
        assertThat(store.holds(0)).isFalse();
        assertThat(store.holds(502)).isFalse();
        store.close();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.count()).isZero();
        }
    }

    @Test
    void restartingKeepsOnlyTheRowsAddedSince() {
        try (CursorRowStore store = new CursorRowStore(new PgType[] {PgType.INT8}, tmp, 1 << 20)) {
            store.add(new Object[] {1L});
            store.restartAt(41);
            store.add(new Object[] {42L});
            assertThat(store.holds(1)).isFalse();
            assertThat(store.holds(42)).isTrue();
            assertThat(store.get(42)).containsExactly(42L);
        }
    }
}
