package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * A bulk load as pgbench -i makes it (rows loaded into a table created in the same transaction,
 * then ALTER TABLE ... ADD PRIMARY KEY re-keying them), large enough that its batches go to
 * storage as SST files rather than through the memtable: the rows are the same on the primary,
 * on a streaming standby, after a crash of the primary, in a base backup taken after the load,
 * and on the standby once promoted; a failed ADD PRIMARY KEY (a duplicate) leaves the table as it was.
 */
class BulkLoadIT {

    /** Rows of about 100 bytes: several full batches of a fresh range. */
    private static final int ROWS = 250_000;
    private static final String FINGERPRINT = "SELECT count(*), sum(id), count(DISTINCT pad), min(id), max(id) FROM big";
    private static final String EXPECTED = ROWS + "|" + ((long) ROWS * (ROWS + 1) / 2) + "|1|1|" + ROWS;

    @Test
    void bulkLoadedAndReKeyedRowsAreTheSameEverywhere() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.backup("before");
            TestCluster.Node standby = cluster.startStandby(primary, "before", "standby");

            // loaded in descending key order (the re-key's batches then are not in key order)...
            primary.psql("BEGIN; CREATE TABLE big (id integer NOT NULL, pad text);"
                    + " INSERT INTO big SELECT g, repeat('x', 90) FROM generate_series(" + ROWS + ", 1, -1) g; COMMIT");
            // ... then again in one transaction with TRUNCATE, in ascending order, as pgbench -i does
            primary.psql("BEGIN; TRUNCATE big;"
                    + " INSERT INTO big SELECT g, repeat('x', 90) FROM generate_series(1, " + ROWS + ") g; COMMIT");
            primary.psql("ALTER TABLE big ADD PRIMARY KEY (id); ALTER TABLE big DROP CONSTRAINT big_pkey");
            primary.psql("INSERT INTO big VALUES (1, 'duplicate')");
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                assertThatThrownBy(() -> s.execute("ALTER TABLE big ADD PRIMARY KEY (id)"))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("23505");
                            assertThat(e.getMessage()).contains("could not create unique index \"big_pkey\"");
                        });
            }
            primary.psql("DELETE FROM big WHERE pad = 'duplicate'");
            primary.psql("ALTER TABLE big ADD PRIMARY KEY (id)");
            assertThat(primary.psql(FINGERPRINT)).isEqualTo(EXPECTED);
            primary.waitForCatchup(standby);
            assertThat(standby.psql(FINGERPRINT)).isEqualTo(EXPECTED);
            assertThat(standby.psql("SELECT pad FROM big WHERE id = 4321")).isEqualTo("x".repeat(90));

            // a crash after the load: the ingested files and the WAL give the same table back
            primary.kill9();
            primary.start();
            assertThat(primary.psql(FINGERPRINT)).isEqualTo(EXPECTED);
            primary.psql("UPDATE big SET pad = 'changed' WHERE id = 77");

            // a base backup taken after the load, started as a second standby
            primary.backup("after");
            TestCluster.Node second = cluster.startStandby(primary, "after", "second");
            primary.waitForCatchup(second);
            primary.waitForCatchup(standby);
            assertThat(second.psql("SELECT count(*), sum(id) FROM big WHERE pad = 'changed'")).isEqualTo("1|77");
            assertThat(second.psql("SELECT count(*) FROM big")).isEqualTo(Integer.toString(ROWS));

            // the first standby promoted: the table is its own to write
            primary.stop();
            standby.promote();
            standby.psql("INSERT INTO big VALUES (" + (ROWS + 1) + ", 'after promotion')");
            assertThat(standby.psql("SELECT count(*), max(id) FROM big")).isEqualTo((ROWS + 1) + "|" + (ROWS + 1));
            assertThat(standby.psql("SELECT pad FROM big WHERE id = 77")).isEqualTo("changed");
        }
    }
}
