package org.walden.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.wal.TablespaceRecords;
import org.walden.wal.WalRecord;

/** pg_tblspc's layout: links, in-place directories, drop, redo over what is there, tablespace_map. */
class TablespaceDirectoriesTest {

    @TempDir
    Path tmp;

    @Test
    void createLinksTheLocationAndDropRemovesWhatItMade() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path location = Files.createDirectories(tmp.resolve("ts"));
        TablespaceDirectories.create(data, 16384, location.toString(), false);
        Path link = data.resolve("pg_tblspc/16384");
        assertThat(Files.readSymbolicLink(link)).isEqualTo(location);
        assertThat(location.resolve(TablespaceDirectories.VERSION_DIRECTORY)).isDirectory();
        assertThat(TablespaceDirectories.location(data, 16384)).isEqualTo(location.toString());
        assertThat(TablespaceDirectories.list(data)).containsExactly(
                new TablespaceDirectories.Tablespace(16384, link, location, false));
        assertThatThrownBy(() -> TablespaceDirectories.create(data, 16385, location.toString(), false))
                .isInstanceOf(PgException.class).hasMessage("directory \"" + location.resolve("PG_15_202209061")
                        + "\" already in use as a tablespace");
        // redo over a link a base backup made: kept as it is
        TablespaceDirectories.create(data, 16384, "/elsewhere", true);
        assertThat(Files.readSymbolicLink(link)).isEqualTo(location);

        Files.writeString(location.resolve("PG_15_202209061/file"), "x");
        assertThat(TablespaceDirectories.drop(data, 16384)).isFalse();
        assertThat(link).exists();
        Files.delete(location.resolve("PG_15_202209061/file"));
        assertThat(TablespaceDirectories.drop(data, 16384)).isTrue();
        assertThat(link).doesNotExist();
        assertThat(location).isEmptyDirectory();
    }

    @Test
    void anInPlaceTablespaceIsADirectoryUnderPgTblspc() {
        Path data = tmp.resolve("data");
        TablespaceDirectories.create(data, 16400, "", false);
        assertThat(data.resolve("pg_tblspc/16400/PG_15_202209061")).isDirectory();
        assertThat(TablespaceDirectories.location(data, 16400)).isEqualTo("pg_tblspc/16400");
        assertThat(TablespaceDirectories.tablespaceMap(TablespaceDirectories.list(data))).isEmpty();
        assertThat(TablespaceDirectories.drop(data, 16400)).isTrue();
        assertThat(data.resolve("pg_tblspc/16400")).doesNotExist();
    }

    @Test
    void aMissingLocationIsRefusedWithPostgresWords() {
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> TablespaceDirectories.create(tmp.resolve("data"), 1, missing.toString(), false))
                .isInstanceOfSatisfying(PgException.class, e -> assertThat(e.sqlState().code()).isEqualTo("58P01"))
                .hasMessage("directory \"" + missing + "\" does not exist");
    }

    @Test
    void tablespaceMapBecomesLinksAndIsSetAside() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(data.resolve("pg_tblspc"));
        Files.writeString(data.resolve("tablespace_map"), "16384 /restored/ts one\n16390 /other\n");
        assertThat(TablespaceDirectories.applyTablespaceMap(data)).isEqualTo(2);
        assertThat(Files.readSymbolicLink(data.resolve("pg_tblspc/16384"))).isEqualTo(Path.of("/restored/ts one"));
        assertThat(Files.readSymbolicLink(data.resolve("pg_tblspc/16390"))).isEqualTo(Path.of("/other"));
        assertThat(data.resolve("tablespace_map")).doesNotExist();
        assertThat(data.resolve("tablespace_map.old")).isRegularFile();
        assertThat(TablespaceDirectories.applyTablespaceMap(data)).isZero();
    }

    @Test
    void walRecordsCarryTheOidAndLocation() {
        WalRecord create = TablespaceRecords.create(16384, "/srv/ts");
        assertThat(TablespaceRecords.isCreate(create)).isTrue();
        assertThat(TablespaceRecords.decode(create)).isEqualTo(new TablespaceRecords.Change(16384, "/srv/ts"));
        WalRecord drop = TablespaceRecords.drop(16384);
        assertThat(TablespaceRecords.isCreate(drop)).isFalse();
        assertThat(TablespaceRecords.decode(drop)).isEqualTo(new TablespaceRecords.Change(16384, null));
        assertThat(TablespaceRecords.canonicalLocation("/srv//ts/")).isEqualTo("/srv/ts");
    }
}
