package org.walden.replication;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * The CopyData payloads of physical streaming replication (PostgreSQL 15 protocol-replication
 * docs, walsender.c / walreceiver.c). All integers big-endian; timestamps are int64
 * microseconds since 2000-01-01 00:00:00 UTC (PostgreSQL's TimestampTz).
 */
public final class StreamingMessages {

    public static final byte XLOG_DATA = 'w';
    public static final byte PRIMARY_KEEPALIVE = 'k';
    public static final byte STANDBY_STATUS_UPDATE = 'r';
    public static final byte HOT_STANDBY_FEEDBACK = 'h';

    /** Bytes of WAL in one XLogData message at most (walsender.c MAX_SEND_SIZE = XLOG_BLCKSZ * 16). */
    public static final int MAX_SEND_SIZE_BYTES = 128 * 1024;

    /** 2000-01-01 00:00:00 UTC in seconds since the Unix epoch. */
    private static final long POSTGRES_EPOCH_UNIX_SECONDS = 946_684_800L;

    /** Header bytes of an XLogData message before the WAL: type + 3 int64. */
    public static final int XLOG_DATA_HEADER_BYTES = 1 + 8 + 8 + 8;

    private StreamingMessages() {
    }

    /** An instant as PostgreSQL's TimestampTz: microseconds since 2000-01-01 UTC. */
    public static long toPgTimestampMicros(Instant instant) {
        long seconds = instant.getEpochSecond() - POSTGRES_EPOCH_UNIX_SECONDS;
        return seconds * 1_000_000L + instant.getNano() / 1_000;
    }

    public static Instant fromPgTimestampMicros(long micros) {
        return Instant.ofEpochSecond(POSTGRES_EPOCH_UNIX_SECONDS + Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** XLogData: {@code Byte1('w') Int64 dataStart Int64 walEnd Int64 sendTime Byte[n] walData}. */
    public record XLogData(Lsn dataStart, Lsn walEnd, long sendTimeMicros, byte[] data, int offset, int length) {
        public byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(XLOG_DATA_HEADER_BYTES + length);
            b.put(XLOG_DATA).putLong(dataStart.value()).putLong(walEnd.value()).putLong(sendTimeMicros);
            b.put(data, offset, length);
            return b.array();
        }
    }

    /** Primary keepalive: {@code Byte1('k') Int64 walEnd Int64 sendTime Byte1 replyRequested}. */
    public record PrimaryKeepalive(Lsn walEnd, long sendTimeMicros, boolean replyRequested) {
        public byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(18);
            b.put(PRIMARY_KEEPALIVE).putLong(walEnd.value()).putLong(sendTimeMicros).put((byte) (replyRequested ? 1 : 0));
            return b.array();
        }
    }

    /**
     * Standby status update: {@code Byte1('r') Int64 write Int64 flush Int64 apply Int64 clientTime
     * Byte1 replyRequested}. Positions are "last byte + 1"; 0/0 means unknown.
     */
    public record StandbyStatusUpdate(Lsn writeLsn, Lsn flushLsn, Lsn applyLsn, long clientTimeMicros,
                                      boolean replyRequested) {
        public byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(34);
            b.put(STANDBY_STATUS_UPDATE).putLong(writeLsn.value()).putLong(flushLsn.value()).putLong(applyLsn.value())
                    .putLong(clientTimeMicros).put((byte) (replyRequested ? 1 : 0));
            return b.array();
        }
    }

    /**
     * Hot standby feedback: {@code Byte1('h') Int64 clientTime Int32 xmin Int32 xminEpoch
     * Int32 catalogXmin Int32 catalogXminEpoch}.
     */
    public record HotStandbyFeedback(long clientTimeMicros, int xmin, int xminEpoch, int catalogXmin,
                                     int catalogXminEpoch) {
        public byte[] encode() {
            ByteBuffer b = ByteBuffer.allocate(25);
            b.put(HOT_STANDBY_FEEDBACK).putLong(clientTimeMicros).putInt(xmin).putInt(xminEpoch).putInt(catalogXmin)
                    .putInt(catalogXminEpoch);
            return b.array();
        }
    }

    /** Decodes one CopyData payload of either direction; 08P01 on a malformed or unknown one. */
    public static Object decode(byte[] payload) {
        if (payload.length == 0) {
            throw violation("empty CopyData message");
        }
        ByteBuffer b = ByteBuffer.wrap(payload, 1, payload.length - 1);
        try {
            return switch (payload[0]) {
                case XLOG_DATA -> {
                    if (payload.length < XLOG_DATA_HEADER_BYTES) {
                        throw violation("invalid XLogData message");
                    }
                    yield new XLogData(new Lsn(b.getLong()), new Lsn(b.getLong()), b.getLong(), payload,
                            XLOG_DATA_HEADER_BYTES, payload.length - XLOG_DATA_HEADER_BYTES);
                }
                case PRIMARY_KEEPALIVE -> exact(payload, 18,
                        new PrimaryKeepalive(new Lsn(b.getLong()), b.getLong(), b.get() != 0));
                case STANDBY_STATUS_UPDATE -> exact(payload, 34, new StandbyStatusUpdate(new Lsn(b.getLong()),
                        new Lsn(b.getLong()), new Lsn(b.getLong()), b.getLong(), b.get() != 0));
                case HOT_STANDBY_FEEDBACK -> exact(payload, 25,
                        new HotStandbyFeedback(b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getInt()));
                default -> throw violation("unexpected message type \"" + (char) payload[0] + "\"");
            };
        } catch (java.nio.BufferUnderflowException e) {
            throw violation("invalid standby message length " + payload.length);
        }
    }

    private static Object exact(byte[] payload, int length, Object message) {
        if (payload.length != length) {
            throw violation("invalid standby message length " + payload.length);
        }
        return message;
    }

    private static PgException violation(String message) {
        return new PgException(SqlState.PROTOCOL_VIOLATION, message);
    }
}
