package org.walden.common;

/**
 * What a backend or an auxiliary process is waiting for, by PostgreSQL 15's names:
 * pg_stat_activity's wait_event_type and wait_event. Only the waits Walden has are listed.
 *
 * <p><b>Life story.</b> A backend's thread is bound to its {@link Slot} while its
 * message loop runs ({@link #bindSlot}). Code that blocks on the backend's behalf — a row or relation lock, an
 * advisory lock, the WAL flush, a synchronous standby, pg_sleep — brackets the wait with
 * {@link #begin} and {@link #end}; pg_stat_activity reads the slot from another thread. Threads
 * with no slot (auxiliary processes, tests) skip the bookkeeping. An idle session's ClientRead
 * and the auxiliary processes' main-loop waits are derived where pg_stat_activity is built.
 */
public enum WaitEvent {
    CLIENT_READ("Client", "ClientRead"),
    LOCK_RELATION("Lock", "relation"),
    LOCK_TRANSACTION_ID("Lock", "transactionid"),
    LOCK_ADVISORY("Lock", "advisory"),
    /** A commit waiting for another backend's WAL flush (PostgreSQL's WALWriteLock). */
    LWLOCK_WAL_WRITE("LWLock", "WALWrite"),
    WAL_WRITE("IO", "WALWrite"),
    WAL_SYNC("IO", "WALSync"),
    SYNC_REP("IPC", "SyncRep"),
    PG_SLEEP("Timeout", "PgSleep"),
    CHECKPOINTER_MAIN("Activity", "CheckpointerMain"),
    WAL_WRITER_MAIN("Activity", "WalWriterMain"),
    WAL_RECEIVER_MAIN("Activity", "WalReceiverMain"),
    WAL_SENDER_MAIN("Activity", "WalSenderMain"),
    /** The startup process, replayed up to what the walreceiver has flushed, waiting for more. */
    RECOVERY_WAL_STREAM("Activity", "RecoveryWalStream");

    private static final ThreadLocal<Slot> SLOT = new ThreadLocal<>();

    /** wait_event_type. */
    public final String type;
    /** wait_event. */
    public final String event;

    WaitEvent(String type, String event) {
        this.type = type;
        this.event = event;
    }

    /** One backend's current wait: written by its own thread, read by pg_stat_activity's. */
    public static final class Slot {
        private volatile WaitEvent current;

        /** The wait going on, or null while the backend runs. */
        public WaitEvent current() {
            return current;
        }
    }

    /** The calling thread (a backend's) reports its waits in {@code slot} from now on. */
    public static void bindSlot(Slot slot) {
        SLOT.set(slot);
    }

    /** The calling thread's backend ends: its slot is no longer written. */
    public static void unbindSlot() {
        SLOT.remove();
    }

    /** The calling thread starts waiting for {@code event}; returns the wait to restore with {@link #end}. */
    public static WaitEvent begin(WaitEvent event) {
        Slot slot = SLOT.get();
        if (slot == null) {
            return null;
        }
        WaitEvent before = slot.current;
        slot.current = event;
        return before;
    }

    /** The wait begun with {@link #begin} is over: {@code before} (its return value) is current again. */
    public static void end(WaitEvent before) {
        Slot slot = SLOT.get();
        if (slot != null) {
            slot.current = before;
        }
    }
}
