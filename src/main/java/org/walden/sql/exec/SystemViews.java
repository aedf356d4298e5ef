package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.walden.replication.WalSenderStat;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;

/**
 * The system views, as virtual tables the ordinary SELECT engine scans: pg_stat_replication
 * (from the walsenders), pg_settings, pg_roles, pg_authid, pg_database. Their rows are built
 * when a statement reads them.
 */
final class SystemViews {

    private static final Map<String, TableDef> VIEWS = Map.ofEntries(Map.entry(
            "pg_stat_wal_receiver", view(12003, "pg_stat_wal_receiver",
                    "pid", PgType.INT4, "status", PgType.TEXT, "receive_start_lsn", PgType.PG_LSN,
                    "receive_start_tli", PgType.INT4, "written_lsn", PgType.PG_LSN, "flushed_lsn", PgType.PG_LSN,
                    "received_tli", PgType.INT4, "last_msg_send_time", PgType.TIMESTAMPTZ,
                    "last_msg_receipt_time", PgType.TIMESTAMPTZ, "latest_end_lsn", PgType.PG_LSN,
                    "latest_end_time", PgType.TIMESTAMPTZ, "slot_name", PgType.TEXT, "sender_host", PgType.TEXT,
                    "sender_port", PgType.INT4, "conninfo", PgType.TEXT)), Map.entry(
            "pg_replication_slots", view(12004, "pg_replication_slots",
                    "slot_name", PgType.NAME, "plugin", PgType.NAME, "slot_type", PgType.TEXT, "datoid", PgType.OID,
                    "database", PgType.NAME, "temporary", PgType.BOOL, "active", PgType.BOOL,
                    "active_pid", PgType.INT4, "xmin", PgType.XID, "catalog_xmin", PgType.XID,
                    "restart_lsn", PgType.PG_LSN, "confirmed_flush_lsn", PgType.PG_LSN, "wal_status", PgType.TEXT,
                    "safe_wal_size", PgType.INT8, "two_phase", PgType.BOOL)), Map.entry(
            "pg_stat_activity", view(12005, "pg_stat_activity",
                    "datid", PgType.OID, "datname", PgType.NAME, "pid", PgType.INT4, "leader_pid", PgType.INT4,
                    "usesysid", PgType.OID, "usename", PgType.NAME, "application_name", PgType.TEXT,
                    "client_addr", PgType.INET, "client_hostname", PgType.TEXT, "client_port", PgType.INT4,
                    "backend_start", PgType.TIMESTAMPTZ, "xact_start", PgType.TIMESTAMPTZ,
                    "query_start", PgType.TIMESTAMPTZ, "state_change", PgType.TIMESTAMPTZ,
                    "wait_event_type", PgType.TEXT, "wait_event", PgType.TEXT, "state", PgType.TEXT,
                    "backend_xid", PgType.XID, "backend_xmin", PgType.XID, "query_id", PgType.INT8,
                    "query", PgType.TEXT, "backend_type", PgType.TEXT)), Map.entry(
            "pg_stat_archiver", view(12006, "pg_stat_archiver",
                    "archived_count", PgType.INT8, "last_archived_wal", PgType.TEXT,
                    "last_archived_time", PgType.TIMESTAMPTZ, "failed_count", PgType.INT8,
                    "last_failed_wal", PgType.TEXT, "last_failed_time", PgType.TIMESTAMPTZ,
                    "stats_reset", PgType.TIMESTAMPTZ)), Map.entry(
            "pg_stat_replication", view(12000, "pg_stat_replication",
                    "pid", PgType.INT4, "usesysid", PgType.OID, "usename", PgType.NAME,
                    "application_name", PgType.TEXT, "client_addr", PgType.INET, "client_hostname", PgType.TEXT,
                    "client_port", PgType.INT4, "backend_start", PgType.TIMESTAMPTZ, "backend_xmin", PgType.XID,
                    "state", PgType.TEXT, "sent_lsn", PgType.PG_LSN, "write_lsn", PgType.PG_LSN,
                    "flush_lsn", PgType.PG_LSN, "replay_lsn", PgType.PG_LSN, "write_lag", PgType.INTERVAL,
                    "flush_lag", PgType.INTERVAL, "replay_lag", PgType.INTERVAL, "sync_priority", PgType.INT4,
                    "sync_state", PgType.TEXT, "reply_time", PgType.TIMESTAMPTZ)), Map.entry(
            "pg_settings", view(12001, "pg_settings",
                    "name", PgType.TEXT, "setting", PgType.TEXT, "unit", PgType.TEXT, "short_desc", PgType.TEXT)), Map.entry(
            "pg_roles", view(12002, "pg_roles",
                    "rolname", PgType.NAME, "rolsuper", PgType.BOOL, "rolinherit", PgType.BOOL,
                    "rolcreaterole", PgType.BOOL, "rolcreatedb", PgType.BOOL, "rolcanlogin", PgType.BOOL,
                    "rolreplication", PgType.BOOL, "rolconnlimit", PgType.INT4, "rolpassword", PgType.TEXT,
                    "rolvaliduntil", PgType.TIMESTAMPTZ, "rolbypassrls", PgType.BOOL, "oid", PgType.OID)), Map.entry(
            "pg_authid", view(1260, "pg_authid",
                    "oid", PgType.OID, "rolname", PgType.NAME, "rolsuper", PgType.BOOL, "rolinherit", PgType.BOOL,
                    "rolcreaterole", PgType.BOOL, "rolcreatedb", PgType.BOOL, "rolcanlogin", PgType.BOOL,
                    "rolreplication", PgType.BOOL, "rolbypassrls", PgType.BOOL, "rolconnlimit", PgType.INT4,
                    "rolpassword", PgType.TEXT, "rolvaliduntil", PgType.TIMESTAMPTZ)), Map.entry(
            "pg_database", view(1262, "pg_database",
                    "oid", PgType.OID, "datname", PgType.NAME, "datdba", PgType.OID)));

    private SystemViews() {
    }

    private static TableDef view(int oid, String name, Object... columns) {
        List<Column> cols = new ArrayList<>();
        for (int i = 0; i < columns.length; i += 2) {
            cols.add(new Column((String) columns[i], (PgType) columns[i + 1], -1, false, null));
        }
        return new TableDef(oid, name, List.copyOf(cols), new int[0], true);
    }

    static TableDef view(String name) {
        return VIEWS.get(name);
    }

    static List<Object[]> rows(TableDef view, ExecEnv env) {
        Catalog catalog = env.catalog();
        List<Object[]> rows = new ArrayList<>();
        switch (view.name()) {
            case "pg_stat_replication" -> {
                for (WalSenderStat w : env.serverStatus().walSenders()) {
                    RoleDef role = catalog.role(w.userName());
                    rows.add(new Object[] {w.pid(), role == null ? null : (long) role.oid(), w.userName(),
                            w.applicationName(), w.clientAddr(), null, w.clientAddr() == null ? null : w.clientPort(),
                            w.backendStart(), w.backendXmin(), w.state(), w.sentLsn(), w.writeLsn(), w.flushLsn(), w.replayLsn(),
                            lag(w.writeLagMicros()), lag(w.flushLagMicros()), lag(w.replayLagMicros()),
                            w.syncPriority(), w.syncState(), w.replyTime()});
                }
            }
            case "pg_stat_archiver" -> {
                org.walden.wal.Archiver.Stats a = env.serverStatus().archiverStats();
                rows.add(new Object[] {a.archivedCount(), a.lastArchivedWal(), a.lastArchivedTime(),
                        a.failedCount(), a.lastFailedWal(), a.lastFailedTime(), a.statsReset()});
            }
            case "pg_stat_wal_receiver" -> {
                ServerStatus.WalReceiverStatus w = env.serverStatus().walReceiver();
                if (w != null) {
                    rows.add(new Object[] {w.pid(), w.status(), w.receiveStartLsn(), w.receiveStartTli(),
                            w.writtenLsn(), w.flushedLsn(), w.receivedTli(), w.lastMsgSendTime(),
                            w.lastMsgReceiptTime(), w.latestEndLsn(), w.latestEndTime(), w.slotName(),
                            w.senderHost(), w.senderPort(), w.conninfo()});
                }
            }
            case "pg_replication_slots" -> {
                for (ServerStatus.ReplicationSlotStatus s : env.serverStatus().replicationSlots()) {
                    rows.add(new Object[] {s.slotName(), null, s.slotType(), null, null, s.temporary(), s.active(),
                            s.activePid(), s.xmin(), null, s.restartLsn(), null, s.walStatus(),
                            s.safeWalSizeBytes(), false});
                }
            }
            case "pg_stat_activity" -> {
                for (ServerStatus.BackendActivity a : env.serverStatus().activity()) {
                    RoleDef role = a.userName() == null ? null : catalog.role(a.userName());
                    DatabaseDef db = a.databaseName() == null ? null : catalog.databases().get(a.databaseName());
                    rows.add(new Object[] {db == null ? null : (long) db.oid(), a.databaseName(), a.pid(), null,
                            role == null ? null : (long) role.oid(), a.userName(), a.applicationName(),
                            a.clientAddr(), null, a.clientAddr() == null ? null : a.clientPort(), a.backendStart(),
                            a.xactStart(), a.queryStart(), a.stateChange(), null, null, a.state(), null, null, null,
                            a.query(), a.backendType()});
                }
            }
            case "pg_settings" -> {
                for (String[] s : env.settings().showAll()) {
                    rows.add(new Object[] {s[0], s[1], null, s.length > 2 ? s[2] : null});
                }
            }
            case "pg_roles", "pg_authid" -> {
                RoleDef me = catalog.role(env.currentUser());
                if (view.name().equals("pg_authid") && (me == null || !me.superuser())) {
                    throw new org.walden.common.PgException(org.walden.common.SqlState.INSUFFICIENT_PRIVILEGE,
                            "permission denied for table pg_authid");
                }
                List<RoleDef> roles = new ArrayList<>(catalog.allRoles());
                roles.sort(Comparator.comparingInt(RoleDef::oid));
                for (RoleDef r : roles) {
                    rows.add(view.name().equals("pg_roles") ? new Object[] {r.name(), r.superuser(), r.inherit(),
                            r.createRole(), r.createDb(), r.canLogin(), r.replication(), r.connectionLimit(),
                            "********", r.validUntil(), r.bypassRls(), (long) r.oid()}
                            : new Object[] {(long) r.oid(), r.name(), r.superuser(), r.inherit(), r.createRole(),
                            r.createDb(), r.canLogin(), r.replication(), r.bypassRls(), r.connectionLimit(),
                            r.passwordVerifier(), r.validUntil()});
                }
            }
            case "pg_database" -> {
                List<DatabaseDef> dbs = new ArrayList<>(catalog.databases().values());
                dbs.sort(Comparator.comparingInt(DatabaseDef::oid));
                for (DatabaseDef d : dbs) {
                    rows.add(new Object[] {(long) d.oid(), d.name(), (long) d.ownerOid()});
                }
            }
            default -> throw new IllegalStateException(view.name());
        }
        return rows;
    }

    private static Interval lag(Long micros) {
        return micros == null ? null : Interval.ofMicros(micros);
    }

}
