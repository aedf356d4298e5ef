package org.walden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.replication.WalSenderStat;
import org.walden.sql.testing.Client;
import org.walden.sql.testing.MemoryTransactionManager;
import org.walden.wal.Lsn;

/** Roles and passwords, server functions, system views, CHECKPOINT. */
class SessionCatalogTest {

    private final AtomicInteger checkpoints = new AtomicInteger();
    private boolean recovery;
    private MemoryTransactionManager tm;
    private WaldenSqlEngine engine;
    private Client c;

    private final ServerStatus status = new ServerStatus() {
        @Override
        public boolean inRecovery() {
            return recovery;
        }

        @Override
        public Lsn currentWalLsn() {
            return Lsn.parse("0/3000148");
        }

        @Override
        public Lsn lastWalReceiveLsn() {
            return recovery ? Lsn.parse("0/3000100") : null;
        }

        @Override
        public Lsn lastWalReplayLsn() {
            return recovery ? Lsn.parse("0/3000100") : null;
        }

        @Override
        public List<WalSenderStat> walSenders() {
            return List.of(new WalSenderStat(777, "repuser", "walreceiver", InetAddress.getLoopbackAddress(), 51234,
                    Instant.parse("2026-11-21T19:55:01Z"), "streaming", Lsn.parse("0/3000148"),
                    Lsn.parse("0/3000148"), Lsn.parse("0/3000148"), Lsn.parse("0/3000100"), 1500L, 2500L, null, 1,
                    "sync", Instant.parse("2026-11-21T19:56:00.25Z")));
        }

        @Override
        public Instant postmasterStartTime() {
            return Instant.parse("2026-11-21T19:00:00Z");
        }

        @Override
        public void requestCheckpoint() {
            checkpoints.incrementAndGet();
        }

        @Override
        public boolean reloadConfiguration() {
            return true;
        }

        @Override
        public WalReceiverStatus walReceiver() {
            return recovery ? new WalReceiverStatus(555, "streaming", Lsn.parse("0/3000000"), 1,
                    Lsn.parse("0/3000100"), Lsn.parse("0/3000100"), 1, null, null, Lsn.parse("0/3000100"), null,
                    "slot1", "10.0.0.1", 5432, "host=10.0.0.1 port=5432 user=repuser") : null;
        }

        @Override
        public List<ReplicationSlotStatus> replicationSlots() {
            return List.of(new ReplicationSlotStatus("slot1", "physical", false, true, 777, null,
                    Lsn.parse("0/3000000"), "reserved", null));
        }

        @Override
        public List<BackendActivity> activity() {
            return List.of(new BackendActivity(4242, "postgres", "postgres", "psql", null, 0,
                    Instant.parse("2026-11-21T19:55:00Z"), null, null, null, null, "active", "select 1", "client backend"));
        }

        @Override
        public String backendUser(int pid) {
            return pid == 4242 ? "postgres" : null;
        }

        @Override
        public boolean signalBackend(int pid, boolean terminate) {
            signalled.add((terminate ? "terminate " : "cancel ") + pid);
            return pid == 4242;
        }
    };
    private final List<String> signalled = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() {
        tm = new MemoryTransactionManager();
        engine = Client.engine(tm, status);
        c = Client.connect(engine, "postgres");
    }

    @AfterEach
    void tearDown() {
        c.close();
    }

    @Test
    void bootstrapCreatesSuperuserAndDatabases() {
        assertThat(engine.databaseExists("postgres")).isTrue();
        assertThat(engine.databaseExists("template1")).isTrue();
        assertThat(engine.databaseExists("nope")).isFalse();
        SqlEngine.Role su = engine.findRole("postgres").orElseThrow();
        assertThat(su.oid()).isEqualTo(10);
        assertThat(su.superuser()).isTrue();
        assertThat(su.canLogin()).isTrue();
        assertThat(su.replication()).isTrue();
    }

    @Test
    void createAlterDropRoles() {
        assertThat(c.q("CREATE USER repuser WITH REPLICATION ENCRYPTED PASSWORD 'secret' CONNECTION LIMIT 5").tag())
                .isEqualTo("CREATE ROLE");
        SqlEngine.Role r = engine.findRole("repuser").orElseThrow();
        assertThat(r.canLogin()).isTrue();
        assertThat(r.replication()).isTrue();
        assertThat(r.superuser()).isFalse();
        assertThat(r.connectionLimit()).isEqualTo(5);
        assertThat(r.oid()).isGreaterThanOrEqualTo(16384);
        assertThat(r.passwordVerifier()).startsWith("SCRAM-SHA-256$4096:");
        String verifier = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
                + "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
        assertThat(c.q("ALTER USER repuser PASSWORD '" + verifier + "'").tag()).isEqualTo("ALTER ROLE");
        assertThat(engine.findRole("repuser").orElseThrow().passwordVerifier()).isEqualTo(verifier);
        c.q("set password_encryption = 'md5'");
        c.q("alter role repuser with nologin password 'pw'");
        assertThat(engine.findRole("repuser").orElseThrow().passwordVerifier())
                .isEqualTo(org.walden.common.auth.Md5Password.verifier("pw", "repuser"));
        assertThat(engine.findRole("repuser").orElseThrow().canLogin()).isFalse();
        c.q("create role plain");
        assertThat(engine.findRole("plain").orElseThrow().canLogin()).isFalse();
        c.q("alter role plain password null");
        assertThat(engine.findRole("plain").orElseThrow().passwordVerifier()).isNull();
        assertThatThrownBy(() -> c.q("create role plain")).isInstanceOf(PgException.class)
                .hasMessage("role \"plain\" already exists");
        assertThat(c.q("select rolname, rolcanlogin, rolreplication from pg_roles where rolname !~ '^pg_' order by oid")
                .rows())
                .containsExactly(List.of("postgres", "t", "t"), List.of("repuser", "f", "t"), List.of("plain", "f", "f"));
        assertThat(c.q("DROP ROLE plain").tag()).isEqualTo("DROP ROLE");
        c.q("drop user if exists plain");
        assertThat(c.notices.get(c.notices.size() - 1).getMessage()).isEqualTo("role \"plain\" does not exist, skipping");
        assertThatThrownBy(() -> c.q("drop role plain")).hasMessage("role \"plain\" does not exist")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.UNDEFINED_OBJECT));
        assertThatThrownBy(() -> c.q("alter role ghost login")).hasMessage("role \"ghost\" does not exist");
    }

    @Test
    void nonSuperuserCannotCreateRoles() {
        c.q("create user bob password 'x'");
        try (Client bob = Client.connect(engine, "bob")) {
            assertThatThrownBy(() -> bob.q("create role eve")).hasMessage("permission denied to create role")
                    .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.INSUFFICIENT_PRIVILEGE));
            assertThat(bob.q("alter user bob password 'y'").tag()).isEqualTo("ALTER ROLE");
            assertThatThrownBy(() -> bob.q("checkpoint")).hasMessage("must be superuser to do CHECKPOINT");
            assertThatThrownBy(() -> bob.q("select rolpassword from pg_authid"))
                    .hasMessage("permission denied for table pg_authid");
            assertThat(bob.q("select rolpassword from pg_roles where rolname = 'bob'").value()).isEqualTo("********");
        }
    }

    @Test
    void serverFunctions() {
        assertThat(c.q("select pg_is_in_recovery()").value()).isEqualTo("f");
        Client.Result lsn = c.q("select pg_current_wal_lsn()");
        assertThat(lsn.value()).isEqualTo("0/3000148");
        assertThat(lsn.columns().get(0).typeOid()).isEqualTo(3220);
        Client.Result diff = c.q("select pg_wal_lsn_diff('0/3000148', '0/3000100')");
        assertThat(diff.value()).isEqualTo("72");
        assertThat(diff.columns().get(0).typeOid()).isEqualTo(1700);
        assertThat(c.q("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') > 0").value()).isEqualTo("t");
        assertThat(c.q("select pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()").rows().get(0))
                .containsExactly(null, null);
        assertThat(c.q("select pg_backend_pid()").value()).isEqualTo("4242");
        assertThat(c.q("select current_user, session_user, current_database()").rows())
                .containsExactly(List.of("postgres", "postgres", "postgres"));
        assertThat(c.q("select current_user").columns().get(0).name()).isEqualTo("current_user");
        assertThat(c.q("select current_setting('synchronous_commit')").value()).isEqualTo("on");
        assertThat(c.q("SELECT pg_catalog.set_config('application_name', 'x', false)").value()).isEqualTo("x");
        assertThat(c.q("show application_name").value()).isEqualTo("x");
        assertThat(c.q("select set_config('lock_timeout', '5', false)").value()).isEqualTo("5");
        assertThat(c.q("select current_setting('lock_timeout')").value()).isEqualTo("5");
        assertThat(c.q("select set_config('lock_timeout', null, false)").value()).isEqualTo("0");
        assertThat(c.q("select pg_reload_conf()").value()).isEqualTo("t");
        Client.Result now = c.q("select now(), CURRENT_TIMESTAMP");
        assertThat(now.columns().get(0).typeOid()).isEqualTo(1184);
        assertThat(now.columns().get(1).name()).isEqualTo("current_timestamp");
        assertThat(now.rows().get(0).get(0)).isEqualTo(now.rows().get(0).get(1)).endsWith("+00");
        recovery = true;
        assertThat(c.q("select pg_last_wal_replay_lsn()").value()).isEqualTo("0/3000100");
        assertThatThrownBy(() -> c.q("select pg_current_wal_lsn()")).hasMessage("recovery is in progress")
                .satisfies(e -> assertThat(((PgException) e).sqlState())
                        .isEqualTo(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE));
    }

    @Test
    void pgStatReplicationHasPostgres15Columns() {
        c.q("create user repuser replication");
        Client.Result r = c.q("select * from pg_stat_replication");
        assertThat(r.columns()).extracting(ColumnDesc::name).containsExactly("pid", "usesysid", "usename",
                "application_name", "client_addr", "client_hostname", "client_port", "backend_start", "backend_xmin",
                "state", "sent_lsn", "write_lsn", "flush_lsn", "replay_lsn", "write_lag", "flush_lag", "replay_lag",
                "sync_priority", "sync_state", "reply_time");
        assertThat(r.columns().get(4).typeOid()).isEqualTo(869);
        assertThat(r.columns().get(14).typeOid()).isEqualTo(1186);
        List<String> row = r.rows().get(0);
        assertThat(row.get(0)).isEqualTo("777");
        assertThat(row.get(2)).isEqualTo("repuser");
        assertThat(row.get(4)).isEqualTo("127.0.0.1");
        assertThat(row.get(9)).isEqualTo("streaming");
        assertThat(row.get(13)).isEqualTo("0/3000100");
        assertThat(row.get(14)).isEqualTo("00:00:00.0015");
        assertThat(row.get(16)).isNull();
        assertThat(row.get(18)).isEqualTo("sync");
        assertThat(row.get(19)).isEqualTo("2026-11-21 19:56:00.25+00");
        assertThat(c.q("select application_name, pg_wal_lsn_diff(sent_lsn, replay_lsn) from pg_stat_replication "
                + "where state = 'streaming'").rows()).containsExactly(List.of("walreceiver", "72"));
        assertThat(c.q("select count(*) from pg_catalog.pg_stat_replication").value()).isEqualTo("1");
    }

    @Test
    void settingsViewsAndShowAll() {
        assertThat(c.q("select setting from pg_settings where name = 'wal_level'").value()).isEqualTo("replica");
        Client.Result all = c.q("show all");
        assertThat(all.columns()).extracting(ColumnDesc::name).containsExactly("name", "setting", "description");
        assertThat(all.rows()).isNotEmpty();
        assertThat(c.q("SET application_name = 'PostgreSQL JDBC Driver'").tag()).isEqualTo("SET");
        assertThat(c.q("show application_name").value()).isEqualTo("PostgreSQL JDBC Driver");
        c.q("set local lock_timeout = '1s'");
        assertThat(c.notices.get(0).getMessage()).isEqualTo("SET LOCAL can only be used in transaction blocks");
        assertThatThrownBy(() -> c.q("show nope")).isInstanceOf(PgException.class)
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.UNDEFINED_OBJECT));
    }

    @Test
    void checkpointGoesToTheServer() {
        assertThat(c.q("CHECKPOINT").tag()).isEqualTo("CHECKPOINT");
        assertThat(checkpoints.get()).isEqualTo(1);
    }

    @Test
    void groupingErrorsAndDefaults() {
        c.q("create table g (a int, b int default 7, c text default 'x' || 'y', d timestamptz default now())");
        c.q("insert into g (a) values (1), (1)");
        assertThat(c.q("select b, c, d is not null from g limit 1").rows()).containsExactly(List.of("7", "xy", "t"));
        assertThatThrownBy(() -> c.q("select a, b from g group by a"))
                .hasMessage("column \"g.b\" must appear in the GROUP BY clause or be used in an aggregate function")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.GROUPING_ERROR));
        assertThat(c.q("select a, sum(b) from g group by a having count(*) > 1").rows())
                .containsExactly(List.of("1", "14"));
        assertThat(c.q("insert into g values (2, default) returning a, b").rows()).containsExactly(List.of("2", "7"));
        assertThat(c.q("update g set b = b + 1 where a = 2 returning b").value()).isEqualTo("8");
        assertThat(c.q("select cast(a as text) || '-' || b::text as ab from g where a = 2").value()).isEqualTo("2-8");
        assertThat(c.q("select case when a = 1 then 'one' else 'other' end from g order by a desc limit 1").value())
                .isEqualTo("other");
    }

    @Test
    void receiverSlotsActivityViewsAndSignals() {
        assertThat(c.q("select * from pg_stat_wal_receiver").rows()).isEmpty();
        recovery = true;
        Client.Result r = c.q("select status, flushed_lsn, slot_name, sender_port from pg_stat_wal_receiver");
        assertThat(r.rows()).containsExactly(List.of("streaming", "0/3000100", "slot1", "5432"));
        assertThat(c.q("select slot_name, slot_type, active, restart_lsn, xmin from pg_replication_slots").rows())
                .containsExactly(java.util.Arrays.asList("slot1", "physical", "t", "0/3000000", null));
        assertThat(c.q("select pid, datname, usename, state, query, backend_type from pg_stat_activity "
                + "where pid = pg_backend_pid()").rows())
                .containsExactly(List.of("4242", "postgres", "postgres", "active", "select 1", "client backend"));
        assertThat(c.q("select pg_terminate_backend(4242)").value()).isEqualTo("t");
        assertThat(c.q("select pg_cancel_backend(99)").value()).isEqualTo("f");
        assertThat(c.notices.get(0).getMessage()).isEqualTo("PID 99 is not a PostgreSQL backend process");
        assertThat(signalled).as("no such backend: not signalled").containsExactly("terminate 4242");
    }

    private static final String PSQL_DU = "SELECT r.rolname, r.rolsuper, r.rolinherit,\n  r.rolcreaterole, "
            + "r.rolcreatedb, r.rolcanlogin,\n  r.rolconnlimit, r.rolvaliduntil,\n  ARRAY(SELECT b.rolname\n"
            + "        FROM pg_catalog.pg_auth_members m\n        JOIN pg_catalog.pg_roles b ON (m.roleid = b.oid)\n"
            + "        WHERE m.member = r.oid) as memberof\n, r.rolreplication\n, r.rolbypassrls\n"
            + "FROM pg_catalog.pg_roles r\nWHERE r.rolname !~ '^pg_'\nORDER BY 1;";

    private static final String PSQL_DT = "SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  CASE "
            + "c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN "
            + "'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' "
            + "THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n  "
            + "pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\"\nFROM pg_catalog.pg_class c\n     LEFT JOIN "
            + "pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n     LEFT JOIN pg_catalog.pg_am am ON am.oid = "
            + "c.relam\nWHERE c.relkind IN ('r','p','')\n      AND n.nspname <> 'pg_catalog'\n      AND n.nspname "
            + "!~ '^pg_toast'\n      AND n.nspname <> 'information_schema'\n  AND pg_catalog.pg_table_is_visible(c.oid)"
            + "\nORDER BY 1,2;";

    @Test
    void psqlListCommandsAreAnswered() {
        Client.Result du = c.q(PSQL_DU);
        assertThat(du.columns()).extracting(ColumnDesc::typeOid)
                .containsExactly(19, 16, 16, 16, 16, 16, 23, 1184, 1003, 16, 16);
        assertThat(du.rows()).containsExactly(java.util.Arrays.asList("postgres", "t", "t", "t", "t", "t", "-1", null,
                "{}", "t", "t"));
        assertThat(c.q(PSQL_DT).rows()).isEmpty();
        c.q("create table t1 (id int primary key, name text)");
        Client.Result dt = c.q(PSQL_DT);
        assertThat(dt.columns()).extracting(ColumnDesc::name).containsExactly("Schema", "Name", "Type", "Owner");
        assertThat(dt.rows()).containsExactly(List.of("public", "t1", "table", "postgres"));
        String l = "SELECT d.datname as \"Name\",\n       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\",\n"
                + "       pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\",\n       d.datcollate as "
                + "\"Collate\",\n       d.datctype as \"Ctype\",\n       d.daticulocale as \"ICU Locale\",\n       "
                + "CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS \"Locale Provider\",\n       "
                + "pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\"\nFROM pg_catalog.pg_database d"
                + "\nORDER BY 1;";
        Client.Result dbs = c.q(l);
        assertThat(dbs.rows()).extracting(r -> r.get(0)).containsExactly("postgres", "template0", "template1");
        assertThat(dbs.rows().get(2).get(7)).isEqualTo("=c/postgres\npostgres=CTc/postgres");
    }

    @Test
    void alterSystemAndDatabases() {
        assertThat(c.q("ALTER SYSTEM SET listen_addresses TO '*';").tag()).isEqualTo("ALTER SYSTEM");
        c.q("alter system reset synchronous_standby_names");
        assertThat(((org.walden.sql.testing.MemorySettings) c.session.settings()).alteredSystem)
                .containsExactly("listen_addresses=*", "synchronous_standby_names");
        c.q("begin");
        assertThatThrownBy(() -> c.q("alter system set wal_level = replica"))
                .hasMessage("ALTER SYSTEM cannot run inside a transaction block")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.ACTIVE_SQL_TRANSACTION));
        c.q("rollback");
        assertThat(c.q("CREATE DATABASE replica_demo;").tag()).isEqualTo("CREATE DATABASE");
        assertThat(engine.databaseExists("replica_demo")).isTrue();
        assertThatThrownBy(() -> c.q("create database replica_demo"))
                .hasMessage("database \"replica_demo\" already exists")
                .satisfies(e -> assertThat(((PgException) e).sqlState().code()).isEqualTo("42P04"));
        assertThatThrownBy(() -> c.q("drop database postgres")).hasMessage("cannot drop the currently open database");
        assertThat(c.q("drop database replica_demo").tag()).isEqualTo("DROP DATABASE");
        assertThat(engine.databaseExists("replica_demo")).isFalse();
        assertThatThrownBy(() -> c.q("drop database replica_demo"))
                .hasMessage("database \"replica_demo\" does not exist")
                .satisfies(e -> assertThat(((PgException) e).sqlState()).isEqualTo(SqlState.INVALID_CATALOG_NAME));
    }

    @Test
    void psqlDescribeTableQueries() {
        c.q("create table t1 (id int primary key, name varchar(5) default 'x')");
        Client.Result lookup = c.q("SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\n     LEFT JOIN "
                + "pg_catalog.pg_namespace n ON n.oid = c.relnamespace\nWHERE c.relname OPERATOR(pg_catalog.~) '^(t1)$' "
                + "COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 2, 3;");
        assertThat(lookup.rows()).hasSize(1);
        String oid = lookup.value();
        assertThat(lookup.rows().get(0).subList(1, 3)).containsExactly("public", "t1");
        Client.Result cols = c.q("SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  (SELECT "
                + "pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n   FROM pg_catalog.pg_attrdef d\n   WHERE "
                + "d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  a.attnotnull,\n  (SELECT "
                + "c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n   WHERE c.oid = a.attcollation AND "
                + "t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n  a.attidentity,\n  "
                + "a.attgenerated\nFROM pg_catalog.pg_attribute a\nWHERE a.attrelid = '" + oid + "' AND a.attnum > 0 AND "
                + "NOT a.attisdropped\nORDER BY a.attnum;");
        assertThat(cols.rows()).containsExactly(java.util.Arrays.asList("id", "integer", null, "t", null, "", ""),
                java.util.Arrays.asList("name", "character varying(5)", "'x'::character varying", "f", null, "", ""));
        Client.Result idx = c.q("SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, "
                + "pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),\n  pg_catalog.pg_get_constraintdef(con.oid, true), "
                + "contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace\nFROM pg_catalog.pg_class c, "
                + "pg_catalog.pg_class c2, pg_catalog.pg_index i\n  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = "
                + "i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))\nWHERE c.oid = '" + oid
                + "' AND c.oid = i.indrelid AND i.indexrelid = c2.oid\nORDER BY i.indisprimary DESC, c2.relname;");
        // pretty (psql's third argument true): the table unqualified when search_path finds it, as PostgreSQL 15
        assertThat(idx.rows().get(0).subList(5, 8)).containsExactly(
                "CREATE UNIQUE INDEX t1_pkey ON t1 USING btree (id)", "PRIMARY KEY (id)", "p");
    }
}
