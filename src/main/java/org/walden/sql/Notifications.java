package org.walden.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * LISTEN / NOTIFY between the sessions of one server (PostgreSQL's async.c), kept in memory:
 * notifications are not WAL-logged and do not reach standbys, as in PostgreSQL.
 *
 * <p><b>Life of a notification.</b> NOTIFY (or pg_notify) queues it in the sending session's
 * transaction ({@link Pending}), where a repeat of the same channel and payload is dropped;
 * a rollback, or a ROLLBACK TO a savepoint before it, discards it. At commit the session's
 * LISTEN / UNLISTEN changes take effect first, then {@link #deliver} hands the notifications,
 * in the order they were sent, to every session of the same database then listening on their
 * channel (the sender too). Each {@link Listener} keeps them until its backend is idle outside
 * a transaction block and sends NotificationResponse messages: before its ReadyForQuery, or at
 * once when woken while waiting for the client.
 *
 * <p><b>Threads.</b> A listener's channels are changed by its own session's thread; delivery
 * runs on the committing sessions' threads, one at a time, so every listener sees the commits
 * in one order.
 */
public final class Notifications {

    /** PostgreSQL's NAMEDATALEN - 1: a channel name's longest length in bytes. */
    private static final int MAX_CHANNEL_BYTES = 63;
    /** PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH: payloads must be shorter. */
    private static final int MAX_PAYLOAD_BYTES = 8000;

    /** One notification as the client receives it. */
    public record Notification(int senderPid, String channel, String payload) {
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object deliveryOrder = new Object();

    /** A session that has listened: its channels and the notifications waiting for it. */
    public static final class Listener {
        private final int databaseOid;
        private final Set<String> channels = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final Queue<Notification> waiting = new ConcurrentLinkedQueue<>();
        private volatile Runnable wakeup = () -> { };

        private Listener(int databaseOid) {
            this.databaseOid = databaseOid;
        }

        /** The channels in effect, in no order (pg_listening_channels). */
        public Set<String> channels() {
            return channels;
        }

        /** The next notification waiting, or null. */
        public Notification poll() {
            return waiting.poll();
        }
    }

    /** A new listener for a session of database {@code databaseOid}; it hears nothing until it listens. */
    Listener register(int databaseOid) {
        Listener l = new Listener(databaseOid);
        listeners.add(l);
        return l;
    }

    /** The session ended: its listener hears nothing more. */
    void unregister(Listener l) {
        listeners.remove(l);
    }

    /** What wakes {@code l}'s backend when a notification arrives (any thread calls it). */
    static void setWakeup(Listener l, Runnable wakeup) {
        l.wakeup = wakeup == null ? () -> { } : wakeup;
    }

    /** Hands {@code sent}, committed by a session of {@code databaseOid}, to the listeners of their channels. */
    void deliver(int databaseOid, List<Notification> sent) {
        if (sent.isEmpty()) {
            return;
        }
        synchronized (deliveryOrder) {
            for (Listener l : listeners) {
                if (l.databaseOid != databaseOid || l.channels.isEmpty()) {
                    continue;
                }
                boolean any = false;
                for (Notification n : sent) {
                    if (l.channels.contains(n.channel())) {
                        l.waiting.add(n);
                        any = true;
                    }
                }
                if (any) {
                    l.wakeup.run();
                }
            }
        }
    }

    /** Async_Notify's checks: PostgreSQL's 22023 errors for an empty or long channel and a long payload. */
    static void checkNotification(String channel, String payload) {
        if (channel == null || channel.isEmpty()) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "channel name cannot be empty");
        }
        if (channel.getBytes(StandardCharsets.UTF_8).length > MAX_CHANNEL_BYTES) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "channel name too long");
        }
        if (payload != null && payload.getBytes(StandardCharsets.UTF_8).length >= MAX_PAYLOAD_BYTES) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "payload string too long");
        }
    }

    /**
     * One transaction's LISTEN / UNLISTEN actions and NOTIFYs, applied at commit. Savepoints
     * mark how much of each list a ROLLBACK TO keeps.
     */
    static final class Pending {
        /** LISTEN channel, UNLISTEN channel, or UNLISTEN * (channel null), in order. */
        record Action(boolean listen, String channel) {
        }

        private final List<Action> actions = new ArrayList<>();
        private final List<Notification> notifications = new ArrayList<>();
        private final Set<Notification> distinct = new HashSet<>();

        void listen(String channel) {
            actions.add(new Action(true, channel));
        }

        void unlisten(String channelOrNullForAll) {
            actions.add(new Action(false, channelOrNullForAll));
        }

        void notify(Notification n) {
            if (distinct.add(n)) {
                notifications.add(n);
            }
        }

        boolean isEmpty() {
            return actions.isEmpty() && notifications.isEmpty();
        }

        /** A savepoint's mark: how many actions and notifications it keeps. */
        long mark() {
            return ((long) actions.size() << 32) | notifications.size();
        }

        /** ROLLBACK TO the savepoint that took {@code mark}. */
        void rollbackTo(long mark) {
            actions.subList((int) (mark >>> 32), actions.size()).clear();
            List<Notification> dropped = notifications.subList((int) mark, notifications.size());
            dropped.forEach(distinct::remove);
            dropped.clear();
        }

        void clear() {
            actions.clear();
            notifications.clear();
            distinct.clear();
        }

        /** The LISTEN / UNLISTEN actions applied to {@code channels}, as PostgreSQL's AtCommit_Notify. */
        void applyActions(Set<String> channels) {
            for (Action a : actions) {
                if (a.listen()) {
                    channels.add(a.channel());
                } else if (a.channel() == null) {
                    channels.clear();
                } else {
                    channels.remove(a.channel());
                }
            }
        }

        boolean hasActions() {
            return !actions.isEmpty();
        }

        List<Notification> notifications() {
            return notifications;
        }
    }
}
