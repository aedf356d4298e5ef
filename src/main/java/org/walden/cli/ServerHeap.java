package org.walden.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.walden.common.guc.GucServerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The server JVM's heap bound, sized from shared_buffers as the storage's memory is (see
 * {@code storage/StoreMemory}): twice shared_buffers plus 2 GB for sessions, catalogs, sorts
 * and hashes up to work_mem, and the write sets of open transactions (an uncommitted change to
 * an existing table is held in the heap up to txn.KvTransactionManager's write-set bound, then
 * spilled to base/pgsql_tmp). A JVM's heap is fixed when
 * it starts, so whoever starts a server's JVM asks here first: {@link ServerLauncher} (ctl start,
 * switchover) directly, and bin/walden, for a server run in the foreground, through the hidden
 * {@code walden server-heap POSTGRES-ARGS...}, which prints the JVM options. An -Xmx of the
 * caller's own (WALDEN_SERVER_JVM_OPTS, WALDEN_JAVA_OPTS) comes later on the command line and wins.
 *
 * <p>The same starters give the server {@link #MALLOC_ARENAS} of glibc's malloc arenas unless
 * MALLOC_ARENA_MAX is set: RocksDB allocates from many threads, and glibc's default of eight
 * arenas per core kept a third of the server's resident memory in half-used arenas; and
 * the JVM hands what those arenas hold free back to the system every
 * {@link #TRIM_NATIVE_HEAP_MS}. pg_shmem_allocations shows the heap's bound beside the storage's.
 */
@Command(name = "server-heap", hidden = true, description = "print the JVM heap option for a server started with these arguments")
final class ServerHeap implements Callable<Integer> {

    static final long BASE_HEAP_BYTES = 2L << 30;

    /**
     * The heap G1 starts from and may shrink back to (the JVM's default is 1/64 of the RAM, below
     * which G1 never gives memory back), and how long without a collection before an idle server
     * collects and returns what it no longer uses: after `pgbench -i -s 10` the server's resident
     * memory went from 661 to 372 MB within 12 s, and from 718 to 437 MB after a c8 load.
     */
    static final String INITIAL_HEAP = "32m";
    static final long PERIODIC_GC_MS = 5000;

    /**
     * How often the JVM hands glibc's free memory back to the system (malloc_trim): RocksDB
     * frees the memtables it flushed and the blocks it evicted into glibc's arenas, which kept
     * them resident; after `pgbench -i -s 10` a trim took the server from 360 to 295 MB (Pss).
     */
    static final long TRIM_NATIVE_HEAP_MS = 5000;

    /** MALLOC_ARENA_MAX for a server, unless its starter's environment sets one. */
    static final String MALLOC_ARENAS = "4";

    @ParentCommand
    Main main;

    @Parameters
    List<String> postgresArgs = List.of();

    @Override
    public Integer call() {
        main.out.println(String.join(" ", jvmOptions(postgresArgs)));
        return 0;
    }

    static long maxHeapBytes(long sharedBuffersBytes) {
        return 2 * sharedBuffersBytes + BASE_HEAP_BYTES;
    }

    /**
     * -Xmx (and the initial heap, idle collection and native heap trim) for the server
     * {@code walden postgres ARGS} would start (its -D or $PGDATA, its -c and
     * --name=value settings over the configuration files); none when its settings do not read
     * (the server then says why).
     */
    static List<String> jvmOptions(List<String> postgresArgs) {
        PostgresCommand postgres = new PostgresCommand();
        try {
            new CommandLine(postgres).parseArgs(postgresArgs.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            return List.of();
        }
        String pgdata = System.getenv("PGDATA");
        Path dir = postgres.dataDir != null ? postgres.dataDir : pgdata == null || pgdata.isEmpty() ? null : Path.of(pgdata);
        return dir == null ? List.of() : jvmOptions(dir, postgres);
    }

    private static List<String> jvmOptions(Path dataDir, PostgresCommand postgres) {
        Map<String, String> commandLine = postgres.commandLineSettings(new PrintStream(PrintStream.nullOutputStream()));
        if (commandLine == null) {
            return List.of();
        }
        try {
            long sharedBuffers = GucServerSettings.load(dataDir.toAbsolutePath(), commandLine).getBytes("shared_buffers");
            return List.of("-Xmx" + (maxHeapBytes(sharedBuffers) >> 20) + "m", "-Xms" + INITIAL_HEAP, "-XX:G1PeriodicGCInterval="
                    + PERIODIC_GC_MS, "-XX:TrimNativeHeapInterval=" + TRIM_NATIVE_HEAP_MS);
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
