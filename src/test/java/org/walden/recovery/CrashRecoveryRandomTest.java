package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.txn.KvCursor;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;

/**
 * Random transactions, random checkpoints, crashes at random points: after each restart the
 * data must equal the state after some prefix of the commits, and that prefix must include
 * every commit acknowledged with a local flush (synchronous_commit=off commits may be lost,
 * but only from the end).
 */
class CrashRecoveryRandomTest {

    static final long SEG = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void everyRestartSeesACommitPrefixContainingAllDurableCommits() {
        Random random = new Random(42);
        Path data = tmp.resolve("data");
        Engine.initialize(data, SEG);
        List<Map<String, String>> states = new ArrayList<>();
        Map<String, String> model = new TreeMap<>();
        states.add(Map.copyOf(model));
        int lastDurable = 0;
        int roundsThatLostAsyncCommits = 0;
        for (int round = 0; round < 6; round++) {
            Engine e = Engine.open(data, EngineOptions.defaults().withFsync(false).withWalWriterDelayMs(3_600_000L));
            Map<String, String> recovered = contents(e.transactionManager());
            int prefix = states.lastIndexOf(recovered);
            assertThat(prefix).as("round %d: recovered state is a commit prefix", round).isGreaterThanOrEqualTo(lastDurable);
            if (prefix < states.size() - 1) {
                roundsThatLostAsyncCommits++;
            }
            // continue from what survived
            model = new TreeMap<>(recovered);
            states = new ArrayList<>(states.subList(0, prefix + 1));
            lastDurable = prefix;
            int commits = 20 + random.nextInt(40);
            for (int c = 0; c < commits; c++) {
                Transaction t = e.transactionManager().begin();
                int writes = 1 + random.nextInt(4);
                for (int w = 0; w < writes; w++) {
                    String k = "k" + random.nextInt(30);
                    if (random.nextInt(4) == 0) {
                        t.delete(key(k));
                        model.remove(k);
                    } else {
                        String v = "v" + round + "." + c + "." + w;
                        t.put(key(k), v.getBytes(StandardCharsets.UTF_8));
                        model.put(k, v);
                    }
                }
                boolean durable = random.nextBoolean();
                t.commit(durable ? SynchronousCommit.LOCAL : SynchronousCommit.OFF);
                states.add(Map.copyOf(model));
                if (durable) {
                    lastDurable = states.size() - 1;
                }
                if (random.nextInt(25) == 0) {
                    e.requestCheckpoint();
                    lastDurable = states.size() - 1; // a checkpoint flushes everything before it
                }
            }
            e.simulateCrash();
        }
        assertThat(roundsThatLostAsyncCommits).as("the test crashed with unflushed commits").isPositive();
        Engine e = Engine.open(data, EngineOptions.defaults().withFsync(false));
        assertThat(states.lastIndexOf(contents(e.transactionManager()))).isGreaterThanOrEqualTo(lastDurable);
        e.shutdown();
    }

    static byte[] key(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[b.length + 1];
        k[0] = Transaction.DATA_KEYSPACE;
        System.arraycopy(b, 0, k, 1, b.length);
        return k;
    }

    static Map<String, String> contents(TransactionManager tm) {
        Map<String, String> out = new HashMap<>();
        Transaction t = tm.begin();
        t.newStatementSnapshot();
        try (KvCursor c = t.scan(new byte[] {Transaction.DATA_KEYSPACE}, new byte[] {Transaction.DATA_KEYSPACE + 1})) {
            while (c.next()) {
                out.put(new String(c.key(), 1, c.key().length - 1, StandardCharsets.UTF_8),
                        new String(c.value(), StandardCharsets.UTF_8));
            }
        }
        t.rollback();
        return out;
    }
}
