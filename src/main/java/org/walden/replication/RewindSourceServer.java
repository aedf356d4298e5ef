package org.walden.replication;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.ConnInfo;
import org.walden.protocol.PgClient;
import org.walden.protocol.QueryResult;
import org.walden.recovery.Rewind;
import org.walden.recovery.Timelines;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * A rewind's source given as a running server ({@code --source-server}), reached over the
 * replication protocol: IDENTIFY_SYSTEM (system identifier, timeline, WAL position),
 * TIMELINE_HISTORY, READ_KEY_RANGE (Walden's: the rows a DROP or TRUNCATE emptied on the
 * target), and for the copying fallback a base backup (BASE_BACKUP with its WAL streamed). The
 * role needs REPLICATION (or superuser) and pg_hba.conf must admit it for replication, as for a
 * standby. The target then streams the source's WAL as its standby ({@code -R}).
 */
public final class RewindSourceServer implements Rewind.Source {

    private final String conninfo;
    private final ConnInfo info;
    private final PgClient conn;
    private final PrintStream err;
    private final long systemIdentifier;
    private final TimelineId timeline;

    /** Connects ({@code replication=true} is added to {@code conninfo}) and identifies the source. */
    public RewindSourceServer(String conninfo, PrintStream err) throws IOException {
        this.conninfo = conninfo;
        this.err = err;
        this.info = ConnInfo.parse(conninfo);
        this.conn = PgClient.connect(info.with("replication", "true"));
        String[] id = identify();
        this.systemIdentifier = Long.parseUnsignedLong(id[0]);
        this.timeline = new TimelineId(Integer.parseInt(id[1]));
    }

    private String[] identify() throws IOException {
        QueryResult r = conn.simpleQuery("IDENTIFY_SYSTEM");
        if (r.rows().size() != 1) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "unexpected result from IDENTIFY_SYSTEM");
        }
        return r.rows().get(0);
    }

    @Override
    public long systemIdentifier() {
        return systemIdentifier;
    }

    @Override
    public TimelineId timeline() {
        return timeline;
    }

    @Override
    public String historyFile(TimelineId tli) {
        if (tli.value() == 1) {
            return null;
        }
        try {
            return conn.simpleQuery("TIMELINE_HISTORY " + tli.value()).rows().get(0)[1];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Lsn currentLsn() {
        try {
            return Lsn.parse(identify()[2]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Lsn readKeyRange(byte[] from, byte[] to, BiConsumer<byte[], byte[]> sink) throws IOException {
        HexFormat hex = HexFormat.of();
        List<QueryResult> results = conn.simpleQueryAll("READ_KEY_RANGE '" + hex.formatHex(from) + "' '"
                + hex.formatHex(to) + "'");
        for (String[] row : results.get(0).rows()) {
            sink.accept(hex.parseHex(row[0]), hex.parseHex(row[1]));
        }
        return Lsn.parse(results.get(1).rows().get(0)[0]);
    }

    /** A base backup of the source (its WAL streamed alongside), as pg_basebackup -X stream makes it. */
    @Override
    public void copyDataDirectory(Path into, LongConsumer progressKb) throws IOException {
        int port = Integer.parseInt(info.getOrDefault("port", "5432"));
        BaseBackupClient.Options options = new BaseBackupClient.Options(info.get("host"), port, info.get("user"),
                info.get("password"), into, false, BaseBackupClient.WalMethod.STREAM, false, false, null, false, false,
                true, "pg_rewind", false, null);
        if (new BaseBackupClient(err, "pg_rewind").run(options) != 0) {
            throw new IOException("could not copy the source's data directory (see above)");
        }
    }

    /** The target streams the source's WAL as its standby: nothing to copy. */
    @Override
    public boolean copyWalFrom(Lsn from, Timelines.History history, Path walDir) {
        return false;
    }

    @Override
    public String conninfo() {
        return conninfo;
    }


    @Override
    public void close() {
        conn.close();
    }
}
