package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.walden.replication.WalSenderStat;
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

    private static final Map<String, TableDef> VIEWS = Map.of(
            "pg_stat_replication", view(12000, "pg_stat_replication",
                    "pid", PgType.INT4, "usesysid", PgType.OID, "usename", PgType.NAME,
                    "application_name", PgType.TEXT, "client_addr", PgType.INET, "client_hostname", PgType.TEXT,
                    "client_port", PgType.INT4, "backend_start", PgType.TIMESTAMPTZ, "backend_xmin", PgType.TEXT,
                    "state", PgType.TEXT, "sent_lsn", PgType.PG_LSN, "write_lsn", PgType.PG_LSN,
                    "flush_lsn", PgType.PG_LSN, "replay_lsn", PgType.PG_LSN, "write_lag", PgType.INTERVAL,
                    "flush_lag", PgType.INTERVAL, "replay_lag", PgType.INTERVAL, "sync_priority", PgType.INT4,
                    "sync_state", PgType.TEXT, "reply_time", PgType.TIMESTAMPTZ),
            "pg_settings", view(12001, "pg_settings",
                    "name", PgType.TEXT, "setting", PgType.TEXT, "unit", PgType.TEXT, "short_desc", PgType.TEXT),
            "pg_roles", view(12002, "pg_roles",
                    "rolname", PgType.NAME, "rolsuper", PgType.BOOL, "rolinherit", PgType.BOOL,
                    "rolcreaterole", PgType.BOOL, "rolcreatedb", PgType.BOOL, "rolcanlogin", PgType.BOOL,
                    "rolreplication", PgType.BOOL, "rolconnlimit", PgType.INT4, "rolpassword", PgType.TEXT,
                    "rolvaliduntil", PgType.TIMESTAMPTZ, "rolbypassrls", PgType.BOOL, "oid", PgType.OID),
            "pg_authid", view(1260, "pg_authid",
                    "oid", PgType.OID, "rolname", PgType.NAME, "rolsuper", PgType.BOOL, "rolinherit", PgType.BOOL,
                    "rolcreaterole", PgType.BOOL, "rolcreatedb", PgType.BOOL, "rolcanlogin", PgType.BOOL,
                    "rolreplication", PgType.BOOL, "rolbypassrls", PgType.BOOL, "rolconnlimit", PgType.INT4,
                    "rolpassword", PgType.TEXT, "rolvaliduntil", PgType.TIMESTAMPTZ),
            "pg_database", view(1262, "pg_database",
                    "oid", PgType.OID, "datname", PgType.NAME, "datdba", PgType.OID));

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
                            w.backendStart(), null, w.state(), w.sentLsn(), w.writeLsn(), w.flushLsn(), w.replayLsn(),
                            lag(w.writeLagMicros()), lag(w.flushLagMicros()), lag(w.replayLagMicros()),
                            w.syncPriority(), w.syncState(), w.replyTime()});
                }
            }
            case "pg_settings" -> {
                for (String[] s : env.settings().showAll()) {
                    rows.add(new Object[] {s[0], s[1], null, s.length > 2 ? s[2] : null});
                }
            }
            case "pg_roles", "pg_authid" -> {
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
