package org.walden.sql.parse;

import java.util.List;
import java.util.Map;

/**
 * The raw parse tree (PostgreSQL's gram.y output, in records): names are not resolved and
 * types not known. Positions are 1-based character offsets into the statement text, for the
 * ErrorResponse 'P' field.
 */
public final class Tree {

    private Tree() {
    }

    // ================================================================ expressions

    /** An expression as written. */
    public sealed interface Expr permits Const, ColumnRef, ParamRef, AExpr, BoolExpr, NullTest, BooleanTest, FuncCall,
            TypeCast, CaseExpr, SubLink, ArrayExpr, RowExpr, CoalesceExpr, MinMaxExpr, Indirection, CollateExpr,
            SetToDefault, Star {
        int position();
    }

    public enum ConstKind { INTEGER, DECIMAL, STRING, BOOLEAN, NULL }

    /** A constant; a STRING is of type unknown until context resolves it. */
    public record Const(ConstKind kind, String text, int position) implements Expr {
    }

    /** {@code a}, {@code t.a}, {@code s.t.a}; {@code star} for {@code t.*}. */
    public record ColumnRef(List<String> names, boolean star, int position) implements Expr {
    }

    /** $n (1-based). */
    public record ParamRef(int number, int position) implements Expr {
    }

    public enum AExprKind {
        /** Any operator: {@code left} is null for a prefix operator. */
        OP,
        /** {@code x op ANY (array)}. */
        OP_ANY,
        /** {@code x op ALL (array)}. */
        OP_ALL,
        DISTINCT, NOT_DISTINCT, NULLIF,
        /** {@code x IN (list)}: right is a RowExpr of the list; name "=" or "<>" (NOT IN). */
        IN,
        LIKE, ILIKE, SIMILAR,
        /** right is a RowExpr (low, high); name "BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC". */
        BETWEEN
    }

    /**
     * An operator expression. {@code name} is the operator ("=", "~~" for LIKE, "!~~" for NOT LIKE,
     * ...), possibly schema-qualified ({@code OPERATOR(pg_catalog.~)} gives "pg_catalog.~").
     * {@code escape} is LIKE / SIMILAR's ESCAPE, or null.
     */
    public record AExpr(AExprKind kind, String name, Expr left, Expr right, Expr escape, int position)
            implements Expr {
        public AExpr(AExprKind kind, String name, Expr left, Expr right, int position) {
            this(kind, name, left, right, null, position);
        }
    }

    public enum BoolOp { AND, OR, NOT }

    public record BoolExpr(BoolOp op, List<Expr> args, int position) implements Expr {
    }

    public record NullTest(Expr arg, boolean isNot, int position) implements Expr {
    }

    public enum BoolTestKind { IS_TRUE, IS_NOT_TRUE, IS_FALSE, IS_NOT_FALSE, IS_UNKNOWN, IS_NOT_UNKNOWN }

    public record BooleanTest(Expr arg, BoolTestKind kind, int position) implements Expr {
    }

    /**
     * A function call. {@code name} is possibly schema-qualified. {@code star} for count(*);
     * {@code aggOrder} an ORDER BY inside the call; {@code filter} FILTER (WHERE ...); {@code over}
     * a window (an OVER clause); {@code variadic} when the last argument was marked VARIADIC;
     * {@code argNames} parallel to args (null entries for positional ones), or null.
     * {@code special} names the SQL syntax it came from (CURRENT_TIMESTAMP, EXTRACT, ...) or null.
     */
    public record FuncCall(List<String> name, List<Expr> args, List<String> argNames, boolean star, boolean distinct,
                           List<SortBy> aggOrder, Expr filter, WindowDef over, boolean variadic, String special,
                           int position, boolean withinGroup) implements Expr {
        public FuncCall(List<String> name, List<Expr> args, int position) {
            this(name, args, null, false, false, List.of(), null, null, false, null, position);
        }

        /** A call without WITHIN GROUP ({@code aggOrder} is the ORDER BY inside the parentheses). */
        public FuncCall(List<String> name, List<Expr> args, List<String> argNames, boolean star, boolean distinct,
                        List<SortBy> aggOrder, Expr filter, WindowDef over, boolean variadic, String special,
                        int position) {
            this(name, args, argNames, star, distinct, aggOrder, filter, over, variadic, special, position, false);
        }

        public String functionName() {
            return name.get(name.size() - 1);
        }

        public String schema() {
            return name.size() > 1 ? name.get(name.size() - 2) : null;
        }
    }

    public record TypeCast(Expr arg, TypeName type, int position) implements Expr {
    }

    public record CaseWhen(Expr condition, Expr result) {
    }

    public record CaseExpr(Expr arg, List<CaseWhen> whens, Expr defaultResult, int position) implements Expr {
    }

    public enum SubLinkKind { EXISTS, ANY, ALL, EXPR, ARRAY }

    /** A subquery in an expression: EXISTS (...), x op ANY/ALL (...), x IN (...), (SELECT ...), ARRAY(...). */
    public record SubLink(SubLinkKind kind, Expr testExpr, String operator, SelectStmt subselect, int position)
            implements Expr {
    }

    /** ARRAY[...] (elements may be nested ArrayExprs). */
    public record ArrayExpr(List<Expr> elements, int position) implements Expr {
    }

    /** ROW(...) or (a, b, ...). */
    public record RowExpr(List<Expr> args, boolean explicitRow, int position) implements Expr {
    }

    public record CoalesceExpr(List<Expr> args, int position) implements Expr {
    }

    /** GREATEST (greatest true) or LEAST. */
    public record MinMaxExpr(boolean greatest, List<Expr> args, int position) implements Expr {
    }

    /** One step of an indirection: a subscript {@code [i]} / slice {@code [a:b]}, a field {@code .f}, or {@code .*}. */
    public sealed interface IndirectionStep permits Subscript, FieldSelect, FieldStar {
    }

    public record Subscript(Expr lower, Expr upper, boolean slice) implements IndirectionStep {
    }

    public record FieldSelect(String name) implements IndirectionStep {
    }

    public record FieldStar() implements IndirectionStep {
    }

    public record Indirection(Expr arg, List<IndirectionStep> steps, int position) implements Expr {
    }

    /** expr COLLATE name: a built-in collation ({@link Collations}); Walden compares strings by code point (the C collation) throughout. */
    public record CollateExpr(Expr arg, List<String> collation, int position) implements Expr {
    }

    /** DEFAULT in INSERT VALUES or UPDATE SET. */
    public record SetToDefault(int position) implements Expr {
    }

    /** {@code *} in a target list. */
    public record Star(int position) implements Expr {
    }

    /**
     * A type as written: its name (possibly qualified; built-in names normalised to typname:
     * int4, varchar, timestamptz, ...), modifiers, array dimensions ({@code arrayBounds} the count
     * of [] pairs), and {@code setof}.
     */
    public record TypeName(List<String> names, List<Expr> modifiers, int arrayBounds, int position) {
        public String name() {
            return names.get(names.size() - 1);
        }
    }

    // ================================================================ query parts

    public record SortBy(Expr expr, boolean descending, Boolean nullsFirst, String usingOperator) {
    }

    /** A window specification: OVER name, or OVER ([ref] PARTITION BY ... ORDER BY ... frame). */
    public record WindowDef(String name, String refName, List<Expr> partitionBy, List<SortBy> orderBy, Frame frame,
                            int position) {
    }

    public enum FrameMode { RANGE, ROWS, GROUPS }

    public enum BoundKind { UNBOUNDED_PRECEDING, PRECEDING, CURRENT_ROW, FOLLOWING, UNBOUNDED_FOLLOWING }

    public record FrameBound(BoundKind kind, Expr offset) {
    }

    /** A frame clause; {@code exclude}: "NO OTHERS", "CURRENT ROW", "GROUP", "TIES". */
    public record Frame(FrameMode mode, FrameBound start, FrameBound end, String exclude) {
    }

    /** A target list entry: expression and alias (null when none). */
    public record ResTarget(Expr value, String name, int position) {
    }

    public record Alias(String name, List<String> columnNames) {
    }

    /** An item of FROM. */
    public sealed interface FromItem permits RangeVar, RangeSubselect, RangeFunction, JoinExpr {
    }

    /** A table, view or CTE name ({@code only}: ONLY t, no inheritance). */
    public record RangeVar(String schema, String name, Alias alias, boolean only, int position) implements FromItem {
        public RangeVar(String schema, String name, int position) {
            this(schema, name, null, false, position);
        }
    }

    public record RangeSubselect(boolean lateral, SelectStmt subquery, Alias alias, int position) implements FromItem {
    }

    /** A column definition of a function returning record: {@code AS f(a int, b text)}. */
    public record ColumnTypeDef(String name, TypeName type) {
    }

    /** A function in FROM; {@code ordinality}: WITH ORDINALITY. */
    public record RangeFunction(boolean lateral, FuncCall function, boolean ordinality, Alias alias,
                                List<ColumnTypeDef> columnDefs, int position) implements FromItem {
    }

    public enum JoinType { INNER, LEFT, RIGHT, FULL, CROSS }

    /** A join; {@code using} the USING columns, {@code quals} ON, both null for CROSS or NATURAL. */
    public record JoinExpr(JoinType type, boolean natural, FromItem left, FromItem right, List<String> using,
                           Expr quals, Alias alias, int position) implements FromItem {
    }

    /** A CTE: name, column names, query, MATERIALIZED (true), NOT MATERIALIZED (false) or neither (null). */
    public record CommonTableExpr(String name, List<String> columnNames, Stmt query, Boolean materialized,
                                 int position) {
    }

    public record WithClause(List<CommonTableExpr> ctes, boolean recursive) {
    }

    /**
     * A GROUP BY item that is not a plain expression: ROLLUP / CUBE (items: expression lists),
     * GROUPING SETS (items: expression lists or nested GroupingSets) or EMPTY ({@code ()}).
     */
    public record GroupingSet(String kind, List<Object> items) implements Expr2 {
    }

    /** Marker for GROUP BY elements that are not plain expressions. */
    public sealed interface Expr2 permits GroupingSet {
    }

    public record LockingClause(String strength, boolean noWait, boolean skipLocked) {
    }

    // ================================================================ statements

    /** A statement as parsed. */
    public sealed interface Stmt permits SelectStmt, InsertStmt, UpdateStmt, DeleteStmt, CreateTableStmt,
            CreateTableAsStmt, CreateMatViewStmt, RefreshMatViewStmt, IndexStmt, ViewStmt, CreateSchemaStmt, CreateSequenceStmt, AlterSequenceStmt, DropStmt,
            AlterTableStmt, RenameStmt, CommentStmt, TruncateStmt, TransactionStmt, VariableSetStmt, VariableShowStmt,
            ExplainStmt, VacuumStmt, CopyStmt, CreateFunctionStmt, DropFunctionStmt, CheckpointStmt, RoleStmt, DropRoleStmt, GrantRoleStmt, GrantStmt, AlterDefaultPrivilegesStmt, AlterFunctionOwnerStmt, CreateDatabaseStmt,
            DropDatabaseStmt, AlterDatabaseStmt, AlterSystemStmt, PrepareStmt, ExecuteStmt, DeallocateStmt,
            DiscardStmt, NoOpStmt, LockStmt, NotifyStmt, ReindexStmt, ClusterStmt, CreateTablespaceStmt,
            DropTablespaceStmt, AlterTablespaceStmt, DeclareCursorStmt, FetchStmt, ClosePortalStmt {
    }

    public enum SetOp { NONE, UNION, INTERSECT, EXCEPT }

    /**
     * A SELECT, a VALUES list, or a set operation of two of them. For a simple SELECT,
     * {@code op} is NONE; {@code distinct} is null (none), an empty list (DISTINCT), or the
     * DISTINCT ON expressions; {@code values} is set for VALUES. For a set operation, {@code left}
     * and {@code right} hold the operands and the rest is about the whole.
     */
    public record SelectStmt(SetOp op, boolean all, SelectStmt left, SelectStmt right, List<Expr> distinct,
                             List<ResTarget> targets, List<String> into, List<FromItem> from, Expr where,
                             List<Object> groupBy, boolean groupDistinct, Expr having,
                             Map<String, WindowDef> windows, List<List<Expr>> values, List<SortBy> sort, Expr limit,
                             Expr offset, boolean withTies, List<LockingClause> locking, WithClause with, int position)
            implements Stmt {

        public boolean isSetOperation() {
            return op != SetOp.NONE;
        }

        public boolean isValues() {
            return values != null;
        }

        public SelectStmt withSortLimit(List<SortBy> newSort, Expr newLimit, Expr newOffset, boolean newWithTies,
                                        List<LockingClause> newLocking, WithClause newWith) {
            return new SelectStmt(op, all, left, right, distinct, targets, into, from, where, groupBy, groupDistinct,
                    having, windows, values, newSort, newLimit, newOffset, newWithTies, newLocking, newWith, position);
        }
    }

    public record OnConflict(List<Expr> targetColumns, String constraintName, Expr targetWhere, boolean doUpdate,
                             List<SetClause> set, Expr where) {
    }

    /** {@code col = expr}, {@code col[1] = expr}, or one column of {@code (a, b) = (x, y)}. */
    public record SetClause(String column, List<IndirectionStep> indirection, Expr value, int position) {
    }

    /**
     * INSERT; {@code select} null means DEFAULT VALUES. {@code columnTargets}, when some column in
     * the list has subscripts ({@code INSERT INTO t (arr[1], arr[2])}), is the list again with
     * them (value null), else null.
     */
    public record InsertStmt(RangeVar relation, List<String> columns, SelectStmt select, OnConflict onConflict,
                             List<ResTarget> returning, WithClause with, String overriding, int position,
                             List<SetClause> columnTargets)
            implements Stmt {
    }

    /** UPDATE; {@code currentOf}: the cursor of WHERE CURRENT OF (then {@code where} is null), else null. */
    public record UpdateStmt(RangeVar relation, List<SetClause> set, List<FromItem> from, Expr where,
                             List<ResTarget> returning, WithClause with, int position, String currentOf)
            implements Stmt {
    }

    /** DELETE; {@code currentOf}: the cursor of WHERE CURRENT OF (then {@code where} is null), else null. */
    public record DeleteStmt(RangeVar relation, List<FromItem> using, Expr where, List<ResTarget> returning,
                             WithClause with, int position, String currentOf) implements Stmt {
    }

    // ---------------------------------------------------------------- DDL

    public enum ConstraintType { NOT_NULL, NULL, DEFAULT, PRIMARY, UNIQUE, CHECK, FOREIGN, IDENTITY, GENERATED }

    /**
     * A column or table constraint. {@code keys} the columns (table constraint), {@code expr} the
     * CHECK or DEFAULT expression or GENERATED one, {@code refTable} / {@code refColumns} /
     * {@code onUpdate} / {@code onDelete} / {@code matchFull} for REFERENCES; {@code identity} 'a'
     * ALWAYS or 'd' BY DEFAULT; {@code sequenceOptions} for identity columns.
     */
    public record Constraint(ConstraintType type, String name, List<String> keys, Expr expr, RangeVar refTable,
                             List<String> refColumns, char onUpdate, char onDelete, boolean matchFull,
                             boolean deferrable, boolean initiallyDeferred, boolean notValid, char identity,
                             List<SeqOption> sequenceOptions, boolean nullsNotDistinct, int position) {
        public static Constraint simple(ConstraintType type, String name, int position) {
            return new Constraint(type, name, List.of(), null, null, List.of(), 'a', 'a', false, false, false, false,
                    '\0', List.of(), false, position);
        }
    }

    public record ColumnDef(String name, TypeName type, List<Constraint> constraints, int position) {
    }

    /**
     * {@code LIKE source [INCLUDING | EXCLUDING what] ...} in CREATE TABLE's element list: its
     * columns go where it stands, before the {@code columnIndex}th column written out;
     * {@code including} holds the options left in (DEFAULTS, CONSTRAINTS, INDEXES, IDENTITY,
     * GENERATED, COMMENTS, STORAGE, COMPRESSION, STATISTICS).
     */
    public record TableLike(RangeVar source, int columnIndex, java.util.Set<String> including) {
    }

    /**
     * CREATE [TEMP | UNLOGGED] TABLE: columns and table constraints in order; {@code persistence}
     * is pg_class.relpersistence's letter ('p', 'u', 't'), {@code onCommit} ON COMMIT's action
     * ("PRESERVE ROWS", "DELETE ROWS", "DROP") or null.
     */
    public record CreateTableStmt(RangeVar relation, List<ColumnDef> columns, List<Constraint> constraints,
                                  boolean ifNotExists, char persistence, List<String> options, String onCommit,
                                  String tablespace, int position, List<TableLike> likes) implements Stmt {

        public boolean temporary() {
            return persistence == 't';
        }
    }

    /** CREATE [TEMP | UNLOGGED] TABLE ... AS SELECT / SELECT ... INTO [TEMP | UNLOGGED]. */
    /**
     * CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [(cols)] [TABLESPACE t] AS query [WITH [NO] DATA];
     * {@code sql}: the query as written; {@code tablespace} null for the default.
     */
    public record CreateMatViewStmt(RangeVar name, List<String> columnNames, String tablespace, SelectStmt query,
                                    String sql, boolean ifNotExists, boolean withData) implements Stmt {
    }

    /** REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]. */
    public record RefreshMatViewStmt(RangeVar name, boolean concurrently, boolean withData) implements Stmt {
    }

    public record CreateTableAsStmt(RangeVar relation, List<String> columnNames, SelectStmt query, boolean ifNotExists,
                                    boolean withData, char persistence, String onCommit) implements Stmt {

        public boolean temporary() {
            return persistence == 't';
        }
    }

    /** A key of an index: a column name or an expression, with its order. */
    public record IndexElem(String column, Expr expr, boolean descending, Boolean nullsFirst, int position) {
    }

    public record IndexStmt(String name, RangeVar relation, String method, List<IndexElem> keys, List<String> include,
                            Expr where, boolean unique, boolean concurrently, boolean ifNotExists,
                            boolean nullsNotDistinct, String tablespace, int position) implements Stmt {
    }

    /** CREATE [OR REPLACE] VIEW; {@code sql} is the query's text as written (stored, re-parsed when used). */
    public record ViewStmt(RangeVar name, List<String> columnNames, SelectStmt query, String sql, boolean orReplace,
                           boolean temporary, int position) implements Stmt {
    }

    public record CreateSchemaStmt(String name, String owner, boolean ifNotExists, int position) implements Stmt {
    }

    /** A sequence option: name (start, increment, minvalue, maxvalue, cache, cycle, owned_by, as, restart) and value. */
    public record SeqOption(String name, Object value) {
    }

    public record CreateSequenceStmt(RangeVar name, List<SeqOption> options, boolean ifNotExists, boolean temporary,
                                     int position) implements Stmt {
    }

    public record AlterSequenceStmt(RangeVar name, List<SeqOption> options, boolean ifExists) implements Stmt {
    }

    public enum ObjectType { TABLE, VIEW, INDEX, SEQUENCE, SCHEMA, MATERIALIZED_VIEW, TYPE, DOMAIN, FUNCTION, EXTENSION,
        COLUMN, CONSTRAINT, DATABASE, ROLE }

    /** A parameter of CREATE FUNCTION: its name (null when unnamed) and type. */
    public record FunctionParam(String name, TypeName type) {
    }

    /**
     * CREATE [OR REPLACE] FUNCTION ... LANGUAGE sql: {@code returns} is the result type (the element
     * type with {@code setof}); {@code table} the columns of RETURNS TABLE, else null.
     */
    public record CreateFunctionStmt(boolean orReplace, List<String> name, List<FunctionParam> params,
                                     TypeName returns, boolean setof, List<ColumnTypeDef> table, String body,
                                     char volatility, boolean strict, int position) implements Stmt {
    }

    /** A function named with its argument types (null when only the name was given), as DROP FUNCTION names it. */
    public record FunctionRef(List<String> name, List<TypeName> args) {
    }

    public record DropFunctionStmt(List<FunctionRef> functions, boolean ifExists, boolean cascade) implements Stmt {
    }

    /** DROP TABLE/VIEW/INDEX/SEQUENCE/SCHEMA names [CASCADE]. */
    public record DropStmt(ObjectType type, List<List<String>> names, boolean ifExists, boolean cascade,
                           boolean concurrently, int position) implements Stmt {
    }

    /** One ALTER TABLE action. */
    public sealed interface AlterCmd permits AddColumn, DropColumn, AlterColumnDefault, AlterColumnNotNull,
            AlterColumnType, AddConstraint, DropConstraint, OwnerTo, SetSchema, AlterIdentity, SetLogged,
            SetTablespace, ClusterOn, DropExpression {
    }

    /** ALTER TABLE ... CLUSTER ON index, or SET WITHOUT CLUSTER ({@code index} null). */
    public record ClusterOn(String index) implements AlterCmd {
    }

    /** ALTER COLUMN ... DROP EXPRESSION [IF EXISTS]: a stored generated column becomes a plain one. */
    public record DropExpression(String column, boolean ifExists) implements AlterCmd {
    }

    /** ALTER TABLE SET LOGGED ({@code logged}) / SET UNLOGGED. */
    public record SetLogged(boolean logged) implements AlterCmd {
    }

    /** ALTER TABLE / INDEX ... SET TABLESPACE name. */
    public record SetTablespace(String tablespace) implements AlterCmd {
    }

    public record AddColumn(ColumnDef column, boolean ifNotExists) implements AlterCmd {
    }

    public record DropColumn(String column, boolean ifExists, boolean cascade) implements AlterCmd {
    }

    /** SET DEFAULT expr, or DROP DEFAULT (expr null). */
    public record AlterColumnDefault(String column, Expr expr) implements AlterCmd {
    }

    public record AlterColumnNotNull(String column, boolean notNull) implements AlterCmd {
    }

    public record AlterColumnType(String column, TypeName type, Expr using) implements AlterCmd {
    }

    public record AddConstraint(Constraint constraint) implements AlterCmd {
    }

    public record DropConstraint(String name, boolean ifExists, boolean cascade) implements AlterCmd {
    }

    public record OwnerTo(String role) implements AlterCmd {
    }

    public record SetSchema(String schema) implements AlterCmd {
    }

    /** ALTER COLUMN ... ADD GENERATED ... AS IDENTITY / DROP IDENTITY. */
    public record AlterIdentity(String column, char identity, boolean drop) implements AlterCmd {
    }

    public record AlterTableStmt(ObjectType type, RangeVar relation, List<AlterCmd> commands, boolean ifExists)
            implements Stmt {
    }

    /** ALTER ... RENAME: of the object itself (column null) or of a column / constraint of a table. */
    public record RenameStmt(ObjectType type, RangeVar relation, ObjectType subType, String subName, String newName,
                             boolean ifExists) implements Stmt {
    }

    /** COMMENT ON type object IS 'text' (text null for IS NULL). */
    public record CommentStmt(ObjectType type, List<String> object, String text) implements Stmt {
    }

    /** LOCK TABLE relations IN mode MODE [NOWAIT]; {@code mode} as PostgreSQL spells it ("ROW EXCLUSIVE"). */
    public record LockStmt(List<RangeVar> relations, String mode, boolean noWait) implements Stmt {
    }

    public record TruncateStmt(List<RangeVar> relations, boolean restartIdentity, boolean cascade) implements Stmt {
    }

    public enum TxKind { BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK_TO, PREPARE, COMMIT_PREPARED,
        ROLLBACK_PREPARED }

    /** BEGIN/START/COMMIT/END/ROLLBACK/ABORT; {@code name} for savepoints; {@code chain} AND CHAIN. */
    public record TransactionStmt(TxKind kind, String name, boolean chain, List<String> modes) implements Stmt {
    }

    /** SET [LOCAL] name = value (null value: DEFAULT); RESET name / RESET ALL ({@code reset}). */
    public record VariableSetStmt(String name, String value, boolean local, boolean reset) implements Stmt {
    }

    public record VariableShowStmt(String name) implements Stmt {
    }

    /** EXPLAIN [(options)] statement: analyze, verbose, costs, buffers, timing, summary, format. */
    public record ExplainStmt(Stmt statement, Map<String, String> options) implements Stmt {
    }

    /** VACUUM / ANALYZE [tables]: {@code analyze} for ANALYZE or VACUUM ANALYZE; {@code vacuum} for VACUUM. */
    public record VacuumStmt(boolean vacuum, boolean analyze, boolean verbose, List<RangeVar> relations)
            implements Stmt {
    }

    /**
     * COPY table [(columns)] FROM STDIN / TO STDOUT [WITH (options)], or COPY (query) TO STDOUT:
     * options hold format, delimiter, null, header (lower-case names, string values).
     */
    /** COPY; {@code file} null for STDIN / STDOUT, else a server file's path or, when {@code program}, a command. */
    public record CopyStmt(RangeVar relation, List<String> columns, Stmt query, boolean from, String file,
                           boolean program, Map<String, String> options, int position) implements Stmt {
    }

    public record CheckpointStmt() implements Stmt {
    }

    /** A role option; value is Boolean, Integer, String (password, or null for PASSWORD NULL). */
    public record RoleOption(String name, Object value) {
    }

    /** CREATE ROLE/USER (create = true) or ALTER ROLE/USER; isUser makes LOGIN the default. */
    public record RoleStmt(boolean create, boolean isUser, String name, List<RoleOption> options, String renameTo)
            implements Stmt {
    }

    public record DropRoleStmt(List<String> names, boolean ifExists) implements Stmt {
    }

    /** GRANT role TO member / REVOKE role FROM member. */
    public record GrantRoleStmt(boolean grant, List<String> roles, List<String> members, boolean adminOption)
            implements Stmt {
    }

    /** A privilege of GRANT / REVOKE, lower case, with its column list (null for the whole object). */
    public record Privilege(String name, List<String> columns) {
    }

    /**
     * GRANT / REVOKE privileges: {@code objectType} table, sequence, function, schema or database
     * (tables, sequences, functions, schemas in ALTER DEFAULT PRIVILEGES); {@code inSchemas} for
     * ON ALL ... IN SCHEMA (the names are schemas then); {@code privileges} null for ALL;
     * {@code grantees} role names, null for PUBLIC, "current_user" / "session_user" as
     * {@link #CURRENT_USER} / {@link #SESSION_USER}.
     */
    public record GrantStmt(boolean grant, String objectType, boolean inSchemas, List<List<String>> objects,
                            List<FunctionRef> functions, List<Privilege> privileges, List<String> grantees,
                            boolean grantOption, String grantedBy, boolean cascade) implements Stmt {
        public static final String CURRENT_USER = "\0current_user";
        public static final String SESSION_USER = "\0session_user";
    }

    /** ALTER FUNCTION name [(argtypes)] OWNER TO role. */
    public record AlterFunctionOwnerStmt(FunctionRef function, String owner) implements Stmt {
    }

    /** ALTER DEFAULT PRIVILEGES [FOR ROLE r, ...] [IN SCHEMA s, ...] GRANT / REVOKE ... ON TABLES | .... */
    public record AlterDefaultPrivilegesStmt(List<String> roles, List<String> schemas, GrantStmt action)
            implements Stmt {
    }

    /** CREATE DATABASE name [WITH] [OWNER x] [TEMPLATE y] [other options accepted]. */
    public record CreateDatabaseStmt(String name, Map<String, String> options) implements Stmt {
    }

    /** CREATE TABLESPACE name [OWNER role] LOCATION 'dir' [WITH (options)]. */
    public record CreateTablespaceStmt(String name, String owner, String location, List<String> options)
            implements Stmt {
    }

    public record DropTablespaceStmt(String name, boolean ifExists) implements Stmt {
    }

    /** ALTER TABLESPACE name RENAME TO / OWNER TO; {@code options} set for SET / RESET (...). */
    public record AlterTablespaceStmt(String name, String renameTo, String owner, boolean options) implements Stmt {
    }

    public record DropDatabaseStmt(String name, boolean ifExists, boolean force) implements Stmt {
    }

    /** ALTER DATABASE name RENAME TO / OWNER TO / other options (accepted). */
    public record AlterDatabaseStmt(String name, String renameTo, String owner) implements Stmt {
    }

    /** ALTER SYSTEM SET name = value, or RESET name (value null). */
    public record AlterSystemStmt(String name, String value) implements Stmt {
    }

    /** PREPARE name [(types)] AS statement. */
    public record PrepareStmt(String name, List<TypeName> types, Stmt statement, String sql) implements Stmt {
    }

    public record ExecuteStmt(String name, List<Expr> params) implements Stmt {
    }

    /** DEALLOCATE [PREPARE] name | ALL (name null). */
    public record DeallocateStmt(String name) implements Stmt {
    }

    public record DiscardStmt(String what) implements Stmt {
    }

    /**
     * REINDEX [(options)] {INDEX | TABLE | SCHEMA | DATABASE | SYSTEM} [CONCURRENTLY] name:
     * {@code relation} for INDEX and TABLE, {@code name} for the others.
     */
    public record ReindexStmt(String kind, RangeVar relation, String name, boolean concurrently, boolean verbose)
            implements Stmt {
    }

    /** CLUSTER [VERBOSE] [table [USING index]] ({@code relation} null: every table clustered before). */
    public record ClusterStmt(RangeVar relation, String index, boolean verbose) implements Stmt {
    }

    /**
     * LISTEN channel ({@code listen}, channel set), UNLISTEN channel / UNLISTEN * (channel null),
     * or NOTIFY channel [, payload] ({@code notify}).
     */
    public record NotifyStmt(Kind kind, String channel, String payload) implements Stmt {
        public enum Kind { LISTEN, UNLISTEN, NOTIFY }
    }

    /** A statement accepted that changes nothing here (LISTEN, UNLISTEN, SET TRANSACTION ...): answers its tag. */
    public record NoOpStmt(String tag) implements Stmt {
    }

    /**
     * DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD]
     * FOR query, its options as written (gram.y's cursor_options, which may repeat and conflict).
     * Neither SCROLL nor NO SCROLL: the plan decides, as PostgreSQL's PerformCursorOpen.
     */
    public record DeclareCursorStmt(String name, boolean binary, boolean insensitive, boolean asensitive,
                                    boolean scroll, boolean noScroll, boolean hold, SelectStmt query) implements Stmt {
    }

    /** PostgreSQL's FetchDirection: what FETCH / MOVE's direction words reduce to. */
    public enum FetchDirection { FORWARD, BACKWARD, ABSOLUTE, RELATIVE }

    /**
     * FETCH / MOVE [direction] [FROM | IN] name. {@code howMany} is {@link #FETCH_ALL} for ALL;
     * NEXT is FORWARD 1, PRIOR BACKWARD 1, FIRST ABSOLUTE 1, LAST ABSOLUTE -1, as in gram.y.
     */
    public record FetchStmt(boolean move, FetchDirection direction, long howMany, String name) implements Stmt {
        public static final long FETCH_ALL = Long.MAX_VALUE;
    }

    /** CLOSE name | ALL (name null). */
    public record ClosePortalStmt(String name) implements Stmt {
    }
}
