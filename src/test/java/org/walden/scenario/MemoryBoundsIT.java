package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.walden.test.TestCluster;

/**
 * The server's memory follows shared_buffers (issue 13 part 6): a server started by
 * {@code walden ctl start} with shared_buffers = 64MB shows in pg_shmem_allocations RocksDB's
 * block cache of 64 MB, memtables bounded at half of it, and a Java heap bounded at
 * 2 x shared_buffers + 2 GB (2176 MB); after a restart at 256MB every bound follows. Only the
 * bounds are compared, never what is in use. As in PostgreSQL 15, only the privileged read the view.
 */
class MemoryBoundsIT {

    private static final long MB = 1024 * 1024;

    private static final String BOUNDS = "SELECT name || '=' || (size / 1048576) FROM pg_shmem_allocations"
            + " WHERE name IN ('RocksDB block cache', 'RocksDB memtables', 'Java heap') ORDER BY name";

    @Test
    void blockCacheMemtablesAndHeapAreSizedFromSharedBuffers() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node node = cluster.initPrimary("memory");
            node.appendConf("shared_buffers = 64MB");
            node.start();
            assertThat(node.psql("SHOW shared_buffers")).isEqualTo("64MB");
            assertThat(node.psql(BOUNDS)).isEqualTo(bounds(64));
            assertThat(node.psql("SELECT count(*) FROM pg_shmem_allocations WHERE allocated_size >= 0 AND off IS NULL"))
                    .isEqualTo("4");

            node.psql("CREATE ROLE reader LOGIN");
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port()
                    + "/postgres?user=reader"); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeQuery("SELECT * FROM pg_shmem_allocations"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for view pg_shmem_allocations")
                        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
            }

            node.psql("ALTER SYSTEM SET shared_buffers = '256MB'");
            node.restart();
            assertThat(node.psql(BOUNDS)).isEqualTo(bounds(256));
        }
    }

    /** The bounds BOUNDS reads at shared_buffers of {@code sharedBuffersMb}. */
    private static String bounds(long sharedBuffersMb) {
        long heapMb = (2 * sharedBuffersMb * MB + (2L << 30)) / MB;
        return "Java heap=" + heapMb + "\nRocksDB block cache=" + sharedBuffersMb + "\nRocksDB memtables="
                + sharedBuffersMb / 2;
    }
}
