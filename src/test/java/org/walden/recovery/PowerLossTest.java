package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.wal.PowerLossFileSystem;
import org.walden.wal.WalFileChannels;

/**
 * Power loss at random points of a concurrent commit load, many times over: the WAL's segment
 * files lie on {@link PowerLossFileSystem}, which at the instant of the failure forgets every
 * byte not yet fsync'ed (and sometimes tears the last write). After each restart, crash
 * recovery must find every commit that was acknowledged before the failure
 * (synchronous_commit = local), with its value, and the WAL must be readable to its end.
 */
class PowerLossTest {

    private static final long SEG = 1L << 20;
    private static final int ROUNDS = 30;
    private static final int THREADS = 4;

    @TempDir
    Path tmp;

    @AfterEach
    void resetFileLayer() {
        WalFileChannels.reset();
    }

    @Test
    void everyAcknowledgedCommitSurvivesPowerLossDuringConcurrentCommits() throws Exception {
        long seed = Long.getLong("walden.powerloss.seed", System.nanoTime());
        Random random = new Random(seed);
        PowerLossFileSystem fs = new PowerLossFileSystem(random);
        WalFileChannels.install(fs);
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        int tornRounds = 0;
        long undoneWrites = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Engine e = Engine.open(data, EngineOptions.defaults().withFsync(true).withCheckpoints(3_600_000L,
                    1L << 30));
            Map<String, String> recovered = CrashRecoveryRandomTest.contents(e.transactionManager());
            for (Map.Entry<String, String> a : acknowledged.entrySet()) {
                assertThat(recovered.get(a.getKey())).as("seed %d round %d: acknowledged %s", seed, round, a.getKey())
                        .isEqualTo(a.getValue());
            }
            if (random.nextInt(4) == 0) {
                e.requestCheckpoint();
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong commits = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String prefix = "r" + round + "t" + t + "n";
                threads.add(Thread.ofPlatform().start(() -> commitUntilStopped(e, prefix, stop, fs, acknowledged,
                        commits)));
            }
            Thread.sleep(5 + random.nextInt(120));
            fs.freeze(); // the power fails here, in the middle of the load
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
            }
            e.simulateCrash();
            boolean tear = random.nextBoolean();
            undoneWrites += fs.powerLoss(tear);
            tornRounds += tear ? 1 : 0;
            assertThat(commits.get()).as("round %d committed something", round).isPositive();
        }
        Engine e = Engine.open(data, EngineOptions.defaults().withFsync(true));
        Map<String, String> recovered = CrashRecoveryRandomTest.contents(e.transactionManager());
        assertThat(recovered).as("seed %d", seed).containsAllEntriesOf(acknowledged);
        e.shutdown();
        assertThat(undoneWrites).as("the power failed with unsynced writes (%s)", fs.stats()).isPositive();
        assertThat(tornRounds).isPositive();
    }

    private static void commitUntilStopped(Engine e, String prefix, AtomicBoolean stop, PowerLossFileSystem fs,
                                           Map<String, String> acknowledged, AtomicLong commits) {
        for (int n = 0; !stop.get(); n++) {
            String k = prefix + n;
            String v = "value-" + k;
            Transaction t = e.transactionManager().begin();
            t.put(CrashRecoveryRandomTest.key(k), v.getBytes(StandardCharsets.UTF_8));
            t.commit(SynchronousCommit.LOCAL);
            commits.incrementAndGet();
            if (!fs.frozen()) {
                acknowledged.put(k, v);
            }
        }
    }

}
