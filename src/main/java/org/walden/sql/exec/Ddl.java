package org.walden.sql.exec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.auth.Md5Password;
import org.walden.common.auth.ScramSha256;
import org.walden.sql.catalog.Catalog;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.KeyCodec;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.parse.Ast;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * DDL and role commands: CREATE/DROP TABLE, TRUNCATE, ALTER TABLE ADD PRIMARY KEY, CREATE/
 * ALTER/DROP ROLE. Each writes catalog rows under their row locks in the caller's
 * transaction (so DDL is transactional and two sessions creating one name serialise).
 */
public final class Ddl {

    private final Transaction txn;
    private final Catalog catalog;
    private final Executor rowLocker;
    private final long lockTimeoutMs;
    private final Consumer<PgException> notices;
    private final ExecEnv env;

    public Ddl(Transaction txn, Catalog catalog, Executor rowLocker, long lockTimeoutMs,
               Consumer<PgException> notices, ExecEnv env) {
        this.txn = txn;
        this.catalog = catalog;
        this.rowLocker = rowLocker;
        this.lockTimeoutMs = lockTimeoutMs;
        this.notices = notices;
        this.env = env;
    }

    private static PgException notice(SqlState state, String message) {
        return new PgException(PgException.Severity.NOTICE, state, message, null, null, null);
    }

    // ---------------------------------------------------------------- tables

    public String createTable(Ast.CreateTable ct) {
        byte[] key = CatalogStore.tableKey(ct.name());
        if (rowLocker.lockRow(key) != null || SystemViews.view(ct.name()) != null) {
            if (ct.ifNotExists()) {
                notices.accept(notice(SqlState.DUPLICATE_TABLE, "relation \"" + ct.name()
                        + "\" already exists, skipping"));
                return "CREATE TABLE";
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + ct.name() + "\" already exists");
        }
        List<String> pk = new ArrayList<>();
        for (Ast.ColumnDef c : ct.columns()) {
            if (c.primaryKey()) {
                if (!pk.isEmpty() || ct.primaryKey() != null) {
                    throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "multiple primary keys for table \""
                            + ct.name() + "\" are not allowed");
                }
                pk.add(c.name());
            }
        }
        if (ct.primaryKey() != null) {
            pk.addAll(ct.primaryKey());
        }
        List<Column> columns = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Ast.ColumnDef c : ct.columns()) {
            if (!names.add(c.name())) {
                throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + c.name() + "\" specified more than once");
            }
            PgType type = PgType.byName(c.type().name());
            if (type == PgType.UNKNOWN || type == PgType.INET) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "column type " + type.sqlName
                        + " is not supported");
            }
            int typmod = type.typmodOf(c.type().modifiers());
            String defaultSql = c.defaultExpr() == null ? null : ExprText.of(c.defaultExpr());
            columns.add(new Column(c.name(), type, typmod, c.notNull() || pk.contains(c.name()), defaultSql));
        }
        int[] pkIdx = new int[pk.size()];
        for (int i = 0; i < pkIdx.length; i++) {
            pkIdx[i] = names.contains(pk.get(i)) ? indexOf(columns, pk.get(i)) : -1;
            if (pkIdx[i] < 0) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + pk.get(i)
                        + "\" named in key does not exist");
            }
        }
        int oid = CatalogStore.allocateOid(txn, lockTimeoutMs);
        TableDef def = new TableDef(oid, ct.name(), List.copyOf(columns), pkIdx, false);
        for (Column c : columns) {
            if (c.defaultSql() != null) { // a default must analyze without a row, and fit its column
                ExprAnalyzer a = new ExprAnalyzer(null, null, new ParamTypes(null), env.zone());
                a.coerceForAssignment(a.analyze(org.walden.sql.parse.Parser.parseExpression(c.defaultSql())), c);
            }
        }
        txn.put(key, CatalogStore.encodeTable(def));
        // a fresh range: rows this transaction adds go to storage in batches (CREATE TABLE + COPY)
        txn.createRange(KeyCodec.tablePrefix(def), KeyCodec.tableEnd(def));
        return "CREATE TABLE";
    }

    private static int indexOf(List<Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Locks a table for DDL that replaces or drops its rows: its catalog row (serialising DDL)
     * and its relation lock in exclusive mode (waiting for running DML, as PostgreSQL's ACCESS
     * EXCLUSIVE lock). Returns the definition as last committed (or as this transaction wrote
     * it), null when there is no such table.
     */
    private TableDef lockTable(String name) {
        byte[] current = rowLocker.lockRow(CatalogStore.tableKey(name));
        if (current == null) {
            return null;
        }
        TableDef t = catalog.table(name);
        if (t == null) {
            // created concurrently and committed after our catalog snapshot
            throw new PgException(SqlState.SERIALIZATION_FAILURE, "table \"" + name
                    + "\" was changed concurrently; retry");
        }
        rowLocker.lockRelation(t, true);
        // another DDL may have committed a new relfilenode after our catalog snapshot
        return CatalogStore.decodeTableRow(name, current);
    }

    public String dropTable(Ast.DropTable d) {
        for (String name : d.names()) {
            TableDef t = lockTable(name);
            if (t == null) {
                if (SystemViews.view(name) != null) {
                    throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied: \"" + name
                            + "\" is a system catalog");
                }
                if (d.ifExists()) {
                    notices.accept(notice(SqlState.UNDEFINED_TABLE, "table \"" + name
                            + "\" does not exist, skipping"));
                    continue;
                }
                throw new PgException(SqlState.UNDEFINED_TABLE, "table \"" + name + "\" does not exist");
            }
            txn.deleteRange(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t));
            txn.delete(CatalogStore.tableKey(name));
        }
        return "DROP TABLE";
    }

    public String truncate(Ast.Truncate tr) {
        List<TableDef> tables = new ArrayList<>();
        for (String name : tr.names()) {
            TableDef t = lockTable(name);
            if (t == null) {
                throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + name + "\" does not exist");
            }
            tables.add(t);
        }
        for (TableDef t : tables) {
            // as PostgreSQL: a new relfilenode, the old one dropped at commit (no row is touched)
            TableDef fresh = t.withRelfilenode(CatalogStore.allocateOid(txn, lockTimeoutMs));
            txn.createRange(KeyCodec.tablePrefix(fresh), KeyCodec.tableEnd(fresh));
            txn.deleteRange(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t));
            txn.put(CatalogStore.tableKey(t.name()), CatalogStore.encodeTable(fresh));
        }
        return "TRUNCATE TABLE";
    }

    /** ALTER TABLE t ADD PRIMARY KEY (cols): re-keys every row by the new key (pgbench -i's last step). */
    public String addPrimaryKey(Ast.AlterTableAddPk a) {
        TableDef t = lockTable(a.table());
        if (t == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + a.table() + "\" does not exist");
        }
        if (t.hasPrimaryKey()) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "multiple primary keys for table \"" + t.name()
                    + "\" are not allowed");
        }
        int[] pk = new int[a.columns().size()];
        List<Column> columns = new ArrayList<>(t.columns());
        for (int i = 0; i < pk.length; i++) {
            pk[i] = t.columnIndex(a.columns().get(i));
            if (pk[i] < 0) {
                throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + a.columns().get(i)
                        + "\" of relation \"" + t.name() + "\" does not exist");
            }
            Column c = columns.get(pk[i]);
            columns.set(pk[i], new Column(c.name(), c.type(), c.typmod(), true, c.defaultSql()));
        }
        TableDef keyed = new TableDef(t.oid(), t.name(), List.copyOf(columns), pk, false,
                CatalogStore.allocateOid(txn, lockTimeoutMs));
        // as PostgreSQL's index build: the table is rewritten into a new relfilenode keyed by
        // the primary key, which no one sees until this commits; the old one is dropped at commit
        txn.createRange(KeyCodec.tablePrefix(keyed), KeyCodec.tableEnd(keyed));
        int decodedColumns = 0;
        for (int k : pk) {
            decodedColumns = Math.max(decodedColumns, k + 1);
        }
        long rows = 0;
        boolean ascending = true;
        byte[] previous = null;
        try (KvCursor c = txn.scan(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t))) {
            while (c.next()) {
                if ((++rows & 1023) == 0) {
                    env.checkCancel();
                }
                byte[] value = c.value();
                byte[] key = keyOf(t, keyed, RowCodec.decodePrefix(t.columns(), value, decodedColumns));
                ascending &= previous == null || java.util.Arrays.compareUnsigned(previous, key) < 0;
                previous = key;
                txn.put(key, value); // the row encoding does not depend on NOT NULL
            }
        }
        // keys in strictly ascending order cannot repeat; otherwise a repeated key overwrote a row
        if (!ascending && countRows(keyed) != rows) {
            throw duplicateInNewKey(t, keyed);
        }
        txn.deleteRange(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t));
        txn.put(CatalogStore.tableKey(t.name()), CatalogStore.encodeTable(keyed));
        return "ALTER TABLE";
    }

    /** The new primary key of a row; 23502 when a key column is null. */
    private static byte[] keyOf(TableDef t, TableDef keyed, Object[] row) {
        for (int k : keyed.primaryKey()) {
            if (row[k] == null) {
                throw new PgException(SqlState.NOT_NULL_VIOLATION, "column \"" + t.columns().get(k).name()
                        + "\" of relation \"" + t.name() + "\" contains null values");
            }
        }
        return KeyCodec.primaryKey(keyed, row);
    }

    private long countRows(TableDef t) {
        long n = 0;
        try (KvCursor c = txn.scan(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t))) {
            while (c.next()) {
                n++;
            }
        }
        return n;
    }

    /**
     * 23505 for the first row (in the table's old order) whose new key an earlier row has:
     * only reached when the new keys are known to repeat, so holding the keys seen is brief.
     */
    private PgException duplicateInNewKey(TableDef t, TableDef keyed) {
        Set<java.nio.ByteBuffer> seen = new HashSet<>();
        try (KvCursor c = txn.scan(KeyCodec.tablePrefix(t), KeyCodec.tableEnd(t))) {
            while (c.next()) {
                Object[] row = RowCodec.decode(t.columns(), c.value());
                if (!seen.add(java.nio.ByteBuffer.wrap(keyOf(t, keyed, row)))) {
                    PgException dup = Executor.duplicateKey(keyed, row);
                    return new PgException(SqlState.UNIQUE_VIOLATION, "could not create unique index \""
                            + keyed.primaryKeyName() + "\"").withDetail(dup.detail().replace("already exists", "is duplicated"));
                }
            }
        }
        throw new IllegalStateException("rows were lost re-keying table " + t.name());
    }

    // ---------------------------------------------------------------- databases

    /**
     * CREATE DATABASE: a pg_database row. Walden keeps one set of tables per server, so a
     * database is a name to connect to, not a separate namespace.
     */
    public String createDatabase(Ast.CreateDatabase c) {
        RoleDef me = catalog.role(env.currentUser());
        if (me == null || !(me.superuser() || me.createDb())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to create database");
        }
        byte[] key = CatalogStore.databaseKey(c.name());
        if (rowLocker.lockRow(key) != null) {
            throw new PgException(SqlState.DUPLICATE_DATABASE, "database \"" + c.name() + "\" already exists");
        }
        int oid = CatalogStore.allocateOid(txn, lockTimeoutMs);
        txn.put(key, CatalogStore.encodeDatabase(new org.walden.sql.catalog.DatabaseDef(oid, c.name(), me.oid())));
        return "CREATE DATABASE";
    }

    public String dropDatabase(Ast.DropDatabase d) {
        byte[] key = CatalogStore.databaseKey(d.name());
        if (rowLocker.lockRow(key) == null) {
            if (d.ifExists()) {
                notices.accept(notice(SqlState.INVALID_CATALOG_NAME, "database \"" + d.name()
                        + "\" does not exist, skipping"));
                return "DROP DATABASE";
            }
            throw new PgException(SqlState.INVALID_CATALOG_NAME, "database \"" + d.name() + "\" does not exist");
        }
        RoleDef me = catalog.role(env.currentUser());
        org.walden.sql.catalog.DatabaseDef db = catalog.databases().get(d.name());
        if (me == null || !(me.superuser() || (db != null && db.ownerOid() == me.oid()))) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of database " + d.name());
        }
        txn.delete(key);
        return "DROP DATABASE";
    }

    // ---------------------------------------------------------------- roles

    private void requireCreateRole(String what) {
        RoleDef me = catalog.role(env.currentUser());
        if (me == null || !(me.superuser() || me.createRole())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to " + what);
        }
    }

    public String roleStmt(Ast.RoleStmt r) {
        byte[] key = CatalogStore.roleKey(r.name());
        if (r.create()) {
            requireCreateRole("create role");
            if (r.name().startsWith("pg_")) {
                throw new PgException(SqlState.INVALID_NAME, "role name \"" + r.name() + "\" is reserved")
                        .withDetail("Role names starting with \"pg_\" are reserved.");
            }
            if (rowLocker.lockRow(key) != null) {
                throw new PgException(SqlState.DUPLICATE_OBJECT, "role \"" + r.name() + "\" already exists");
            }
            int oid = CatalogStore.allocateOid(txn, lockTimeoutMs);
            RoleDef role = applyOptions(new RoleDef(oid, r.name(), false, true, false, false, r.isUser(), false, false,
                    -1, null, null), r.options());
            txn.put(key, CatalogStore.encodeRole(role));
            return "CREATE ROLE";
        }
        if (rowLocker.lockRow(key) == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + r.name() + "\" does not exist");
        }
        RoleDef current = catalog.role(r.name());
        if (current == null) {
            throw new PgException(SqlState.SERIALIZATION_FAILURE, "role \"" + r.name()
                    + "\" was changed concurrently; retry");
        }
        boolean onlyOwnPassword = r.name().equals(env.currentUser()) && r.options().stream()
                .allMatch(o -> o.name().equals("password"));
        if (!onlyOwnPassword) {
            requireCreateRole("alter role");
        }
        txn.put(key, CatalogStore.encodeRole(applyOptions(current, r.options())));
        return "ALTER ROLE";
    }

    private RoleDef applyOptions(RoleDef r, List<Ast.RoleOption> options) {
        boolean superuser = r.superuser();
        boolean inherit = r.inherit();
        boolean createRole = r.createRole();
        boolean createDb = r.createDb();
        boolean login = r.canLogin();
        boolean replication = r.replication();
        boolean bypassRls = r.bypassRls();
        int limit = r.connectionLimit();
        String password = r.passwordVerifier();
        Instant validUntil = r.validUntil();
        for (Ast.RoleOption o : options) {
            switch (o.name()) {
                case "superuser" -> superuser = (Boolean) o.value();
                case "inherit" -> inherit = (Boolean) o.value();
                case "createrole" -> createRole = (Boolean) o.value();
                case "createdb" -> createDb = (Boolean) o.value();
                case "login" -> login = (Boolean) o.value();
                case "replication" -> replication = (Boolean) o.value();
                case "bypassrls" -> bypassRls = (Boolean) o.value();
                case "connlimit" -> limit = (Integer) o.value();
                case "password" -> password = o.value() == null ? null : verifierFor((String) o.value(), r.name());
                case "validuntil" -> validUntil = "infinity".equalsIgnoreCase((String) o.value()) ? null
                        : (Instant) Values.parseText(PgType.TIMESTAMPTZ, (String) o.value(), env.zone());
                default -> throw new IllegalStateException(o.name());
            }
        }
        if ((superuser != r.superuser() || replication != r.replication() || bypassRls != r.bypassRls())) {
            RoleDef me = catalog.role(env.currentUser());
            if (me == null || !me.superuser()) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                        "must be superuser to change superuser, replication or bypassrls attributes");
            }
        }
        return new RoleDef(r.oid(), r.name(), superuser, inherit, createRole, createDb, login, replication, bypassRls,
                limit, password, validUntil);
    }

    /**
     * A password as given: an existing SCRAM or md5 verifier is kept as is; a plain one is
     * hashed as password_encryption says (scram-sha-256 by default, or md5).
     */
    String verifierFor(String password, String roleName) {
        if (ScramSha256.parseVerifier(password) != null || Md5Password.isMd5Verifier(password)) {
            return password;
        }
        if (password.isEmpty()) {
            notices.accept(notice(SqlState.INVALID_PASSWORD, "empty string is not a valid password, clearing password"));
            return null;
        }
        String method;
        try {
            method = env.settings().show("password_encryption");
        } catch (PgException e) {
            method = "scram-sha-256";
        }
        if (method.equalsIgnoreCase("md5")) {
            return Md5Password.verifier(password, roleName);
        }
        return ScramSha256.newVerifierText(password);
    }

    public String dropRole(Ast.DropRole d) {
        requireCreateRole("drop role");
        for (String name : d.names()) {
            if (name.equals(env.currentUser()) || name.equals(env.sessionUser())) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "current user cannot be dropped");
            }
            RoleDef existing = catalog.role(name);
            if (existing != null && existing.oid() == CatalogStore.BOOTSTRAP_SUPERUSER_OID) {
                throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot drop role " + name
                        + " because it is required by the database system");
            }
            byte[] key = CatalogStore.roleKey(name);
            if (rowLocker.lockRow(key) == null) {
                if (d.ifExists()) {
                    notices.accept(notice(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist, skipping"));
                    continue;
                }
                throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist");
            }
            txn.delete(key);
        }
        return "DROP ROLE";
    }


}
