package org.walden.sql.command;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.txn.SynchronousCommit;
import org.walden.txn.Transaction;
import org.walden.txn.TransactionManager;

/**
 * Sequence values (PostgreSQL's sequence.c), shared by every session of the server. A
 * sequence's stored row (its relfilenode's one key: last value and is_called) is advanced in a
 * transaction of its own, {@link #LOG_AHEAD} values at a time, as PostgreSQL WAL-logs 32 values
 * ahead: nextval is not rolled back with the caller's transaction, values are handed out from
 * memory between those writes, and after a crash (or on a promoted standby) numbering resumes
 * after the last values written, so no value is given twice. That write is flushed (and waits
 * for the synchronous standbys) before a value it reserves is handed out; a clean shutdown
 * writes the exact values back ({@link #writeExactValues}), so only a crash skips numbers. A sequence created by a transaction
 * that has not committed yet is advanced in that transaction itself.
 *
 * <p>Concurrency: one lock per sequence guards its in-memory state; the map is concurrent.
 */
public final class SequenceStore {

    static final int LOG_AHEAD = 32;
    private static final long SHUTDOWN_LOCK_WAIT_MS = 1000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SequenceStore.class);

    /** The in-memory position of one sequence; guarded by {@code lock}. */
    private static final class State {
        final ReentrantLock lock = new ReentrantLock();
        boolean loaded;
        long last;
        boolean called;
        /** The value the stored row says was last handed out (values up to it are reserved). */
        long reserved;
    }

    private final TransactionManager tm;
    private final Map<Integer, State> states = new ConcurrentHashMap<>();

    public SequenceStore(TransactionManager tm) {
        this.tm = tm;
    }

    static byte[] key(Relation seq) {
        return Keys.prefix(seq.relfilenode());
    }

    static byte[] encode(long last, boolean called) {
        return ByteBuffer.allocate(9).putLong(last).put((byte) (called ? 1 : 0)).array();
    }

    /** The stored row of a new (or restarted) sequence, written in the creating transaction. */
    static void initialize(Transaction txn, Relation seq, long start) {
        txn.put(key(seq), encode(start, false));
    }

    /**
     * A clean shutdown's last word: each sequence handed values out of its reserve gets its
     * stored row back to the last value handed out (PostgreSQL's shutdown checkpoint writes the
     * sequence's page as it is; only the WAL holds the value logged ahead). A failure is logged:
     * the values logged ahead stay, which only skips numbers.
     */
    public void writeExactValues() {
        for (Map.Entry<Integer, State> e : states.entrySet()) {
            State s = e.getValue();
            s.lock.lock();
            try {
                if (s.loaded && s.called && s.reserved != s.last) {
                    writeOwnTransaction(Keys.prefix(e.getKey()), s.last, true, SHUTDOWN_LOCK_WAIT_MS);
                    s.reserved = s.last;
                }
            } catch (PgException ex) {
                LOG.warn("could not write the value of sequence with relfilenode {}: {}", e.getKey(), ex.getMessage());
            } finally {
                s.lock.unlock();
            }
        }
    }

    /** Forgets what memory holds about a relfilenode (DROP, RESTART, setval). */
    public void forget(int relfilenode) {
        states.remove(relfilenode);
    }

    /** nextval: the next value, from memory, or after reserving the next values. */
    public long nextval(Relation seq, Transaction current, long lockTimeoutMs) {
        if (tm.inRecovery()) {
            throw new PgException(SqlState.READ_ONLY_SQL_TRANSACTION,
                    "cannot execute nextval() in a read-only transaction");
        }
        State s = states.computeIfAbsent(seq.relfilenode(), k -> new State());
        s.lock.lock();
        try {
            if (!s.loaded) {
                byte[] stored = readCommitted(seq);
                if (stored == null && resetByCrash(seq, current)) {
                    stored = encode(seq.sequence().start(), false); // PostgreSQL's init fork
                } else if (stored == null) {
                    return nextvalInTransaction(seq, current, lockTimeoutMs);
                }
                ByteBuffer b = ByteBuffer.wrap(stored);
                s.last = b.getLong();
                s.called = b.get() != 0;
                s.reserved = s.called ? s.last : Long.MIN_VALUE;
                s.loaded = true;
            }
            long v = advance(seq, s.last, s.called);
            if (!s.called || outside(seq, v, s.reserved)) {
                long upTo = reserveUpTo(seq, v);
                writeOwnTransaction(seq, upTo, lockTimeoutMs);
                s.reserved = upTo;
            }
            s.last = v;
            s.called = true;
            return v;
        } finally {
            s.lock.unlock();
        }
    }

    /** True when {@code v} lies beyond the reserved values (in the sequence's direction). */
    private static boolean outside(Relation seq, long v, long reserved) {
        return seq.sequence().increment() > 0 ? v > reserved : v < reserved;
    }

    private static long reserveUpTo(Relation seq, long v) {
        Relation.SequenceOptions o = seq.sequence();
        long inc = o.increment();
        long upTo = v;
        for (int i = 1; i < LOG_AHEAD; i++) {
            long next = upTo + inc;
            if (inc > 0 ? next > o.max() || next < upTo : next < o.min() || next > upTo) {
                break;
            }
            upTo = next;
        }
        return upTo;
    }

    /** The value after {@code last} (the first value when not yet called); 2200H past the bounds without CYCLE. */
    static long advance(Relation seq, long last, boolean called) {
        Relation.SequenceOptions o = seq.sequence();
        if (!called) {
            return last;
        }
        long inc = o.increment();
        long next = last + inc;
        boolean overflow = inc > 0 ? next < last || next > o.max() : next > last || next < o.min();
        if (overflow) {
            if (!o.cycle()) {
                throw new PgException(SqlState.SEQUENCE_GENERATOR_LIMIT_EXCEEDED, "nextval: reached "
                        + (inc > 0 ? "maximum" : "minimum") + " value of sequence \"" + seq.name() + "\" ("
                        + (inc > 0 ? o.max() : o.min()) + ")");
            }
            return inc > 0 ? o.min() : o.max();
        }
        return next;
    }

    /**
     * An unlogged sequence whose row a crash removed (the start empties unlogged storage): it
     * starts again from its first value, as PostgreSQL resets it to its init fork. A row missing
     * for the caller too cannot be one its own transaction is creating.
     */
    private static boolean resetByCrash(Relation seq, Transaction current) {
        return org.walden.txn.RelPersistence.of(seq.relfilenode()) == org.walden.txn.RelPersistence.UNLOGGED
                && current.get(key(seq)) == null;
    }

    private byte[] readCommitted(Relation seq) {
        Transaction t = tm.begin();
        try {
            t.newStatementSnapshot();
            return t.get(key(seq));
        } finally {
            t.rollback();
        }
    }

    private void writeOwnTransaction(Relation seq, long last, long lockTimeoutMs) {
        writeOwnTransaction(seq, last, true, lockTimeoutMs);
    }

    private void writeOwnTransaction(Relation seq, long last, boolean called, long lockTimeoutMs) {
        writeOwnTransaction(key(seq), last, called, lockTimeoutMs);
    }

    private void writeOwnTransaction(byte[] key, long last, boolean called, long lockTimeoutMs) {
        Transaction t = tm.begin();
        boolean done = false;
        try {
            t.newStatementSnapshot();
            t.lockForUpdate(key, Math.max(1, lockTimeoutMs));
            t.put(key, encode(last, called));
            // durable (and on the synchronous standbys) before any value it reserves is handed out:
            // PostgreSQL's nextval gives its caller an xid, so the caller's commit flushes the record
            t.commit(SynchronousCommit.ON);
            done = true;
        } finally {
            if (!done) {
                t.rollback();
            }
        }
    }

    /** A sequence this transaction created: advanced in the transaction (it rolls back with it). */
    private long nextvalInTransaction(Relation seq, Transaction current, long lockTimeoutMs) {
        byte[] stored = current.lockForUpdate(key(seq), Math.max(1, lockTimeoutMs));
        if (stored == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + seq.name() + "\" does not exist");
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        long v = advance(seq, b.getLong(), b.get() != 0);
        current.put(key(seq), encode(v, true));
        return v;
    }

    /** setval: the stored row changes now (not transactional, as in PostgreSQL). */
    public void setval(Relation seq, long value, boolean called, Transaction current, long lockTimeoutMs) {
        Relation.SequenceOptions o = seq.sequence();
        if (value < o.min() || value > o.max()) {
            throw new PgException(SqlState.NUMERIC_VALUE_OUT_OF_RANGE, "setval: value " + value
                    + " is out of bounds for sequence \"" + seq.name() + "\" (" + o.min() + ".." + o.max() + ")");
        }
        State s = states.computeIfAbsent(seq.relfilenode(), k -> new State());
        s.lock.lock();
        try {
            if (readCommitted(seq) == null && !resetByCrash(seq, current)) {
                current.lockForUpdate(key(seq), Math.max(1, lockTimeoutMs));
                current.put(key(seq), encode(value, called));
                states.remove(seq.relfilenode());
                return;
            }
            writeOwnTransaction(seq, value, called, lockTimeoutMs);
            s.loaded = true;
            s.last = value;
            s.called = called;
            s.reserved = called ? value : Long.MIN_VALUE;
        } finally {
            s.lock.unlock();
        }
    }

    /** The last value handed out (pg_sequences.last_value), null before the first nextval. */
    public Long lastValue(Relation seq, Transaction current) {
        State s = states.get(seq.relfilenode());
        if (s != null && s.loaded) {
            return s.called ? s.last : null;
        }
        byte[] stored = current.get(key(seq));
        if (stored == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        long last = b.getLong();
        return b.get() != 0 ? last : null;
    }

    /** The stored row as SELECT * FROM sequence shows it: last_value, log_cnt, is_called. */
    public Object[] row(Relation seq, Transaction current) {
        State s = states.get(seq.relfilenode());
        if (s != null && s.loaded) {
            long logCnt = s.called ? Math.abs((s.reserved - s.last) / Math.max(1, Math.abs(seq.sequence()
                    .increment()))) : 0;
            return new Object[] {s.last, logCnt, s.called};
        }
        byte[] stored = current.get(key(seq));
        if (stored == null) {
            return new Object[] {seq.sequence().start(), 0L, false};
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        return new Object[] {b.getLong(), 0L, b.get() != 0};
    }
}
