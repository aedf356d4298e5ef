package org.walden.sql.command;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.Expr;
import org.walden.sql.analyze.ExprTransformer;
import org.walden.sql.analyze.Exprs;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.catalog.SystemCatalogs;
import org.walden.sql.exec.ExecNode;
import org.walden.sql.exec.ExecState;
import org.walden.sql.parse.SyntaxError;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.Planner;
import org.walden.sql.types.PgType;
import org.walden.txn.RelPersistence;

/**
 * CREATE TABLE (columns, serial and identity columns, DEFAULT, NOT NULL, PRIMARY KEY, UNIQUE,
 * CHECK, REFERENCES) and CREATE TABLE AS / SELECT INTO: the pg_class, pg_attribute, pg_index,
 * pg_constraint and pg_sequence records of the new objects, written in the caller's
 * transaction, with PostgreSQL's generated names and messages.
 */
final class TableCommands extends DdlSupport {

    TableCommands(CommandContext ctx) {
        super(ctx);
    }

    /** The parts of a table being defined, gathered before anything is written. */
    static final class TableDraft {
        final Namespace ns;
        final String name;
        final List<Attribute> columns = new ArrayList<>();
        final List<Tree.Constraint> constraints = new ArrayList<>();
        /** Columns whose constraint list named them (for column constraints: the column index). */
        final List<Integer> constraintColumns = new ArrayList<>();
        /** Sequences to create for serial and identity columns: column index → type. */
        final Map<Integer, PgType> sequences = new LinkedHashMap<>();
        final Map<Integer, List<Tree.SeqOption>> sequenceOptions = new LinkedHashMap<>();
        final Set<String> takenNames = new HashSet<>();
        /** Storage parameters (pg_class.reloptions), "name=value". */
        final List<String> options = new ArrayList<>();
        /** pg_class.relpersistence: 'p', 'u' or 't' (then {@code ns} is the session's pg_temp_N). */
        char persistence = RelPersistence.PERMANENT;
        /** Generation expressions of GENERATED ALWAYS AS (...) STORED columns, analyzed once all columns are known. */
        final Map<Integer, Tree.Expr> generations = new LinkedHashMap<>();
        /** The tablespace the table's rows are stored in; 0 for the database's default. */
        int tablespace;

        TableDraft(Namespace ns, String name) {
            this.ns = ns;
            this.name = name;
        }
    }

    // ---------------------------------------------------------------- CREATE TABLE

    String createTable(Tree.CreateTableStmt s) {
        char persistence = persistenceOf(s.relation(), s.persistence(), s.onCommit());
        Namespace ns = persistence == RelPersistence.TEMPORARY ? new TempNamespaces(ctx, null).ensure()
                : creationNamespace(s.relation().schema(), s.relation().position());
        if (nameTaken(ns, s.relation().name())) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_TABLE, "relation \"" + s.relation().name()
                        + "\" already exists, skipping"));
                return "CREATE TABLE";
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + s.relation().name()
                    + "\" already exists");
        }
        int tablespace = new TablespaceCommands(ctx).tablespaceForNewRelation(s.tablespace());
        TableDraft d = new TableDraft(ns, s.relation().name());
        d.persistence = persistence;
        d.takenNames.add(d.name);
        Set<String> names = new HashSet<>();
        for (Tree.ColumnDef c : s.columns()) {
            if (!names.add(c.name())) {
                throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + c.name() + "\" specified more than once");
            }
            addColumnDef(d, c);
        }
        analyzeGenerations(d);
        for (Tree.Constraint c : s.constraints()) {
            d.constraints.add(c);
            d.constraintColumns.add(-1);
        }
        d.options.addAll(checkedStorageParameters(s.options()));
        d.tablespace = tablespace;
        Relation created = createFromDraft(d);
        ctx.writer().putRelationTablespace(created.oid(), tablespace);
        registerOnCommit(created, s.onCommit());
        return "CREATE TABLE";
    }

    /**
     * The columns of a table made from a query (CREATE TABLE AS, CREATE MATERIALIZED VIEW): its
     * visible outputs, renamed by the statement's column list; unknown-typed outputs become text.
     */
    static void addQueryColumns(TableDraft d, List<Query.TargetEntry> targets, List<String> columnNames) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < targets.size(); i++) {
            Query.TargetEntry t = targets.get(i);
            String name = columnNames != null && i < columnNames.size() ? columnNames.get(i) : t.name();
            if (!names.add(name)) {
                throw new PgException(SqlState.DUPLICATE_COLUMN, "column \"" + name + "\" specified more than once");
            }
            PgType type = t.expr().type() == PgType.UNKNOWN ? PgType.TEXT : t.expr().type();
            d.columns.add(new Attribute(i + 1, name, type, t.expr().typmod(), false));
        }
    }

    /**
     * The persistence of a new table: TEMP, or a name qualified by pg_temp (PostgreSQL's
     * RangeVarAdjustRelationPersistence); a temporary table may not be named in another schema
     * (42P16), and ON COMMIT is for temporary tables only (42P16).
     */
    char persistenceOf(Tree.RangeVar rel, char declared, String onCommit) {
        String schema = rel.schema();
        Namespace own = ctx.lookup().namespace(CatalogLookup.PG_TEMP);
        boolean tempSchema = schema != null && (schema.equals(CatalogLookup.PG_TEMP)
                || own != null && schema.equals(own.name()));
        char persistence = declared;
        if (tempSchema) {
            if (declared == RelPersistence.UNLOGGED) {
                throw new org.walden.sql.parse.SyntaxError(SqlState.INVALID_TABLE_DEFINITION,
                        "only temporary relations may be created in temporary schemas", rel.position());
            }
            persistence = RelPersistence.TEMPORARY;
        } else if (schema != null && declared == RelPersistence.TEMPORARY) {
            throw new org.walden.sql.parse.SyntaxError(SqlState.INVALID_TABLE_DEFINITION,
                    "cannot create temporary relation in non-temporary schema", rel.position());
        }
        if (onCommit != null && persistence != RelPersistence.TEMPORARY) {
            throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "ON COMMIT can only be used on temporary tables");
        }
        return persistence;
    }

    private void registerOnCommit(Relation table, String onCommit) {
        if (onCommit != null && !onCommit.equals("PRESERVE ROWS")) {
            ctx.onCommit(table.oid(), onCommit);
        }
    }

    /** A table's storage parameters known to PostgreSQL 15 (toast.* ones as well). */
    private static final Set<String> TABLE_PARAMETERS = Set.of("fillfactor", "toast_tuple_target", "parallel_workers",
            "autovacuum_enabled", "autovacuum_vacuum_threshold", "autovacuum_vacuum_scale_factor",
            "autovacuum_vacuum_insert_threshold", "autovacuum_vacuum_insert_scale_factor",
            "autovacuum_analyze_threshold", "autovacuum_analyze_scale_factor", "autovacuum_vacuum_cost_delay",
            "autovacuum_vacuum_cost_limit", "autovacuum_freeze_min_age", "autovacuum_freeze_max_age",
            "autovacuum_freeze_table_age", "autovacuum_multixact_freeze_min_age",
            "autovacuum_multixact_freeze_max_age", "autovacuum_multixact_freeze_table_age",
            "log_autovacuum_min_duration", "user_catalog_table", "vacuum_index_cleanup", "vacuum_truncate");

    /**
     * WITH (...) of CREATE TABLE: each name must be one PostgreSQL knows (22023 "unrecognized
     * parameter" otherwise) and autovacuum_enabled a boolean, since the background analyze reads it.
     */
    static List<String> checkedStorageParameters(List<String> options) {
        for (String o : options) {
            int eq = o.indexOf('=');
            String name = eq < 0 ? o : o.substring(0, eq);
            String bare = name.startsWith("toast.") ? name.substring("toast.".length()) : name;
            if (!TABLE_PARAMETERS.contains(bare)) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized parameter \"" + name + "\"");
            }
            if (bare.equals("autovacuum_enabled") && eq >= 0 && org.walden.common.guc.GucValues.parseBool(o.substring(eq + 1)) == null) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid value for boolean option \""
                        + name + "\": " + o.substring(eq + 1));
            }
        }
        return options;
    }

    boolean nameTaken(Namespace ns, String name) {
        return ctx.writer().lockRelationName(ns.oid(), name) != 0 || SystemCatalogs.relation(ns.oid(), name) != null
                || catalog().relationNameTaken(ns.oid(), name);
    }

    /** A column definition: its type (serials become integers with a sequence), NOT NULL, DEFAULT, identity. */
    void addColumnDef(TableDraft d, Tree.ColumnDef c) {
        int index = d.columns.size();
        PgType serial = serialType(c.type());
        PgType type;
        int typmod;
        if (serial != null) {
            type = serial;
            typmod = -1;
            d.sequences.put(index, serial);
        } else {
            ExprTransformer.TypeRef t = new Analyzer(ctx.analyzerEnv()).typeName(c.type());
            type = t.type();
            typmod = t.typmod();
            if (type.category == 'P' && type != PgType.RECORD || type == PgType.UNKNOWN) {
                throw new PgException(SqlState.INVALID_TABLE_DEFINITION, "column \"" + c.name() + "\" has pseudo-type "
                        + type.formatType(-1));
            }
        }
        boolean notNull = serial != null;
        char identity = '\0';
        Tree.Constraint generation = null;
        for (Tree.Constraint k : c.constraints()) {
            switch (k.type()) {
                case NOT_NULL -> notNull = true;
                case NULL -> {
                }
                case IDENTITY -> {
                    identity = k.identity();
                    notNull = true;
                    if (!type.isInteger()) {
                        throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "identity column type must be "
                                + "smallint, integer, or bigint");
                    }
                    d.sequences.put(index, type);
                    d.sequenceOptions.put(index, k.sequenceOptions());
                }
                case GENERATED -> {
                    generation = k;
                    if (d.generations.containsKey(index)) {
                        throw new SyntaxError(SqlState.SYNTAX_ERROR, "multiple generation clauses specified for "
                                + "column \"" + c.name() + "\" of table \"" + d.name + "\"", k.position());
                    }
                    d.generations.put(index, k.expr());
                }
                case DEFAULT -> {
                }
                default -> {
                    d.constraints.add(k.keys().isEmpty() && (k.type() == Tree.ConstraintType.PRIMARY
                            || k.type() == Tree.ConstraintType.UNIQUE || k.type() == Tree.ConstraintType.FOREIGN)
                            ? withKeys(k, List.of(c.name())) : k);
                    d.constraintColumns.add(index);
                    if (k.type() == Tree.ConstraintType.PRIMARY) {
                        notNull = true;
                    }
                }
            }
        }
        Attribute a = new Attribute(index + 1, c.name(), type, typmod, notNull, null, null, identity, false);
        boolean generated = d.generations.containsKey(index);
        for (Tree.Constraint k : c.constraints()) {
            if (k.type() == Tree.ConstraintType.DEFAULT) {
                if (serial != null || identity != '\0') {
                    throw new PgException(SqlState.SYNTAX_ERROR, "multiple default values specified for column \""
                            + c.name() + "\" of table \"" + d.name + "\"");
                }
                if (generated) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "both default and generation expression specified "
                            + "for column \"" + c.name() + "\" of table \"" + d.name + "\"", generation.position());
                }
                a = a.withDefault(checkedDefault(a, k.expr()), null);
            }
        }
        if (generated && (identity != '\0' || serial != null)) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, (identity != '\0' ? "both identity" : "both default")
                    + " and generation expression specified for column \"" + c.name() + "\" of table \"" + d.name
                    + "\"", generation.position());
        }
        if (generated) {
            a = a.withGeneration("");  // the expression comes once every column is known (analyzeGenerations)
        }
        d.columns.add(a);
    }

    /**
     * Analyzes the draft's generation expressions over its columns (cookDefault for a generated
     * column): no reference to a generated column (itself included) or to the whole row, no
     * subquery, aggregate or window function, only immutable functions; coerced to the column.
     */
    void analyzeGenerations(TableDraft d) {
        if (d.generations.isEmpty()) {
            return;
        }
        Relation shell = new Relation(0, d.name, d.ns.oid(), Relation.TABLE, 0, List.copyOf(d.columns), new int[0], 0,
                0, null, null, null, List.of(), false);
        for (Map.Entry<Integer, Tree.Expr> g : d.generations.entrySet()) {
            int index = g.getKey();
            Attribute a = d.columns.get(index);
            d.columns.set(index, a.withGeneration(checkedGeneration(shell, a, g.getValue())));
        }
    }

    /** A generation expression of column {@code a} over {@code table}'s row, as stored (pg_attrdef.adbin). */
    String checkedGeneration(Relation table, Attribute a, Tree.Expr e) {
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        Expr x = an.relationExpression(table, e, "GENERATED");
        Exprs.any(x, y -> {
            if (y instanceof Expr.RowExpr row && isWholeRow(table, row)) {
                throw new SyntaxError(SqlState.INVALID_OBJECT_DEFINITION, "cannot use whole-row variable in "
                        + "column generation expression", wholeRowPosition(e)).withDetail("This would cause the "
                        + "generated column to depend on its own value.");
            }
            return false;
        });
        Exprs.any(x, y -> {
            if (y instanceof Expr.Var v && v.levelsUp() == 0) {
                if (v.attno() <= 0) {
                    throw new SyntaxError(SqlState.INVALID_OBJECT_DEFINITION, "cannot use whole-row variable in "
                            + "column generation expression", v.position()).withDetail("This would cause the "
                            + "generated column to depend on its own value.");
                }
                Attribute used = table.column(v.attno() - 1);
                if (used.isGenerated()) {
                    throw new SyntaxError(SqlState.INVALID_OBJECT_DEFINITION, "cannot use generated column \""
                            + used.name() + "\" in column generation expression", v.position())
                            .withDetail("A generated column cannot reference another generated column.");
                }
            }
            return false;
        });
        if (Exprs.any(x, y -> (y instanceof Expr.FuncExpr f && f.function().volatility != 'i')
                || (y instanceof Expr.OpExpr o && o.operator().function().volatility != 'i'))) {
            throw new PgException(SqlState.INVALID_OBJECT_DEFINITION, "generation expression is not immutable");
        }
        Attribute target = a.withGeneration(null);
        return storedText(table, an.assignToColumn(x, table, target));
    }

    /** Where a whole-row reference starts: a cast's operand, else the expression. */
    private static int wholeRowPosition(Tree.Expr e) {
        return e instanceof Tree.TypeCast c ? wholeRowPosition(c.arg()) : e.position();
    }

    /** A whole-row reference to {@code table} (the analyzer expands it to a row of all its live columns). */
    private static boolean isWholeRow(Relation table, Expr.RowExpr row) {
        int live = 0;
        for (Attribute a : table.columns()) {
            live += a.dropped() ? 0 : 1;
        }
        if (row.args().size() != live || live == 0) {
            return false;
        }
        int next = 0;
        for (Expr arg : row.args()) {
            if (!(arg instanceof Expr.Var v) || v.levelsUp() != 0) {
                return false;
            }
            while (table.column(next).dropped()) {
                next++;
            }
            if (v.attno() != ++next) {
                return false;
            }
        }
        return row.names() != null && row.names().size() == live && row.names().get(0).equals(
                table.columns().stream().filter(a -> !a.dropped()).findFirst().get().name());
    }

    private static Tree.Constraint withKeys(Tree.Constraint k, List<String> keys) {
        return new Tree.Constraint(k.type(), k.name(), keys, k.expr(), k.refTable(), k.refColumns(), k.onUpdate(),
                k.onDelete(), k.matchFull(), k.deferrable(), k.initiallyDeferred(), k.notValid(), k.identity(),
                k.sequenceOptions(), k.nullsNotDistinct(), k.position());
    }

    static PgType serialType(Tree.TypeName t) {
        if (t.names().size() != 1 || !t.modifiers().isEmpty() || t.arrayBounds() != 0) {
            return null;
        }
        return switch (t.name().toLowerCase(Locale.ROOT)) {
            case "serial", "serial4" -> PgType.INT4;
            case "bigserial", "serial8" -> PgType.INT8;
            case "smallserial", "serial2" -> PgType.INT2;
            default -> null;
        };
    }

    /** A default must analyze without a row (no column references, subqueries or aggregates) and fit its column. */
    String checkedDefault(Attribute a, Tree.Expr e) {
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        Expr x = an.relationExpression(null, e, "DEFAULT");
        if (Exprs.any(x, y -> y instanceof Expr.SubLink)) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot use subquery in DEFAULT expression");
        }
        Relation shell = new Relation(0, "", 0, Relation.TABLE, 0, List.of(a), new int[0], 0, 0, null, null, null,
                List.of(), false);
        return storedText(null, an.assignToColumn(x, shell, a));
    }

    /** Writes a table defined by {@code d}: its sequences, columns, keys, indexes and constraints. */
    Relation createFromDraft(TableDraft d) {
        CatalogWriter w = ctx.writer();
        int oid = w.allocateOid();
        int rowType = w.allocateOid();
        Relation table = new Relation(oid, d.name, d.ns.oid(), Relation.TABLE, ctx.currentRole().oid(),
                List.copyOf(d.columns), new int[0], 0, rowType, null, null, null, List.copyOf(d.options), false);
        table = table.withRelfilenode(newStorage(d.persistence, d.tablespace));
        for (Map.Entry<Integer, PgType> e : d.sequences.entrySet()) {
            table = addOwnedSequence(table, e.getKey(), e.getValue(), d.sequenceOptions.get(e.getKey()), d.takenNames);
        }
        w.putRelation(table, null);
        applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType.TABLE, org.walden.sql.catalog.DbCatalog.PG_CLASS, table.oid(), table.ownerOid(),
                table.namespaceOid());
        ctx.catalogChanged();
        ConstraintCommands cc = new ConstraintCommands(ctx);
        List<Tree.Constraint> ordered = new ArrayList<>();
        for (Tree.Constraint c : d.constraints) {
            if (c.type() == Tree.ConstraintType.PRIMARY) {
                ordered.add(c);
            }
        }
        for (Tree.Constraint c : d.constraints) {
            if (c.type() != Tree.ConstraintType.PRIMARY) {
                ordered.add(c);
            }
        }
        for (Tree.Constraint c : ordered) {
            int col = d.constraintColumns.get(d.constraints.indexOf(c));
            table = cc.addConstraint(table, c, col < 0 ? null : table.column(col).name(), true, d.takenNames);
        }
        return table;
    }

    /**
     * A serial or identity column's sequence "table_column_seq", owned by the column, whose
     * nextval becomes the column's default.
     */
    Relation addOwnedSequence(Relation table, int column, PgType type, List<Tree.SeqOption> options,
                              Set<String> taken) {
        Attribute a = table.column(column);
        SequenceCommands sc = new SequenceCommands(ctx);
        String seqName = chooseRelationName(table.name(), a.name(), "seq", table.namespaceOid(), taken);
        Relation seq = sc.create(seqName, table.namespaceOid(), type, options == null ? List.of() : options,
                table.oid(), a.attnum(), RelPersistence.of(table.relfilenode()));
        String schema = ctx.lookup().namespace(table.namespaceOid()).name();
        String dflt = "nextval('" + CatalogLookup.quoteIdentifier(schema).replace("'", "''") + "."
                + CatalogLookup.quoteIdentifier(seq.name()).replace("'", "''") + "'::regclass)";
        List<Attribute> cols = new ArrayList<>(table.columns());
        cols.set(column, a.withDefault(dflt, null).withNotNull(true));
        return table.withColumns(cols);
    }

    // ---------------------------------------------------------------- CREATE TABLE AS

    /** CREATE TABLE ... AS query / SELECT ... INTO: the query's columns, then its rows. Tag "SELECT n". */
    String createTableAs(Tree.CreateTableAsStmt s) {
        char persistence = persistenceOf(s.relation(), s.persistence(), s.onCommit());
        Namespace ns = persistence == RelPersistence.TEMPORARY ? new TempNamespaces(ctx, null).ensure()
                : creationNamespace(s.relation().schema(), s.relation().position());
        if (nameTaken(ns, s.relation().name())) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_TABLE, "relation \"" + s.relation().name()
                        + "\" already exists, skipping"));
                return "CREATE TABLE AS";
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + s.relation().name()
                    + "\" already exists");
        }
        Query q = new Analyzer(ctx.analyzerEnv()).analyze(s.query());
        List<Query.TargetEntry> targets = q.visibleTargets();
        if (s.columnNames() != null && s.columnNames().size() > targets.size()) {
            throw new PgException(SqlState.SYNTAX_ERROR, "too many column names were specified");
        }
        TableDraft d = new TableDraft(ns, s.relation().name());
        d.persistence = persistence;
        addQueryColumns(d, targets, s.columnNames());
        int tablespace = new TablespaceCommands(ctx).tablespaceForNewRelation(null);
        d.tablespace = tablespace;
        Relation table = createFromDraft(d);
        ctx.writer().putRelationTablespace(table.oid(), tablespace);
        registerOnCommit(table, s.onCommit());
        long rows = 0;
        if (s.withData()) {
            rows = insertQueryRows(table, q);
        }
        return "SELECT " + rows;
    }

    /** Runs {@code q} and writes its rows into the new (empty, fresh-range) table. */
    long insertQueryRows(Relation table, Query q) {
        Planner.PlannedStmt plan = ctx.plan(q);
        ExecState st = ctx.execState(plan, new Object[0]);
        PgType[] types = IndexBuilder.columnTypes(table);
        long n = 0;
        try {
            ExecNode node = plan.root().open(st);
            int width = table.columns().size();
            Object[] r;
            while ((r = node.next()) != null) {
                Object[] row = r.length == width ? r : java.util.Arrays.copyOf(r, width);
                byte[] key = Keys.rowIdKey(table.relfilenode(), st.services().nextRowId(table, ctx.txn()));
                ctx.txn().put(key, RowCodec.encode(types, row));
                n++;
            }
            node.close();
        } finally {
            st.finish();
        }
        return n;
    }

    /** The index records of a primary key (no storage: the table's own key) or of a UNIQUE constraint. */
    static IndexInfo keyIndex(int oid, String name, Relation table, int[] attnums, boolean primary,
                              boolean nullsNotDistinct, int relfilenode) {
        List<IndexInfo.Key> keys = new ArrayList<>();
        for (int a : attnums) {
            keys.add(new IndexInfo.Key(a, null, null, false, false));
        }
        return new IndexInfo(oid, name, table.namespaceOid(), table.oid(), relfilenode, List.copyOf(keys), true,
                primary, nullsNotDistinct, null, null, true, true, "btree", false);
    }

    static Constraint keyConstraint(int oid, String name, Relation table, char type, int[] attnums, int indexOid) {
        return new Constraint(oid, name, table.namespaceOid(), type, table.oid(), attnums, indexOid, null, 0, null,
                ' ', ' ', ' ', false, false, true, null);
    }
}
