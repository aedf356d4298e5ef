package org.walden.sql.parse;

import java.util.List;

/** The parse tree: statements and expressions as records, positions 1-based into the statement text. */
public final class Ast {

    private Ast() {
    }

    // ---------------------------------------------------------------- expressions

    /** An expression as parsed, before names and types are resolved. */
    public sealed interface Expr permits Literal, ColumnRef, Param, Unary, Binary, IsNull, FuncCall, Cast,
            Between, InList, Star, CaseExpr, DefaultValue {
        int position();
    }

    /** The kinds of constants. STRING is of type unknown until context resolves it. */
    public enum LiteralKind { INTEGER, DECIMAL, STRING, BOOLEAN, NULL }

    public record Literal(LiteralKind kind, String text, int position) implements Expr {
    }

    /** {@code [table.]column}; table null when unqualified. */
    public record ColumnRef(String table, String column, int position) implements Expr {
    }

    /** $n (1-based). */
    public record Param(int number, int position) implements Expr {
    }

    /** op is "-", "+" or "not". */
    public record Unary(String op, Expr operand, int position) implements Expr {
    }

    /** op: and, or, = <> < <= > >=, + - * / %, ||, like, not like, ilike. */
    public record Binary(String op, Expr left, Expr right, int position) implements Expr {
    }

    public record IsNull(Expr operand, boolean negated, int position) implements Expr {
    }

    /**
     * A function call; {@code star} for count(*). Keyword functions (CURRENT_TIMESTAMP,
     * CURRENT_USER, SESSION_USER) arrive as calls with no arguments.
     */
    public record FuncCall(String schema, String name, List<Expr> args, boolean star, boolean distinct,
                           int position) implements Expr {
    }

    public record Cast(Expr operand, TypeName type, int position) implements Expr {
    }

    public record Between(Expr operand, Expr low, Expr high, boolean negated, int position) implements Expr {
    }

    public record InList(Expr operand, List<Expr> values, boolean negated, int position) implements Expr {
    }

    /** {@code *} or {@code t.*} in a target list. */
    public record Star(String table, int position) implements Expr {
    }

    /** CASE [operand] WHEN .. THEN .. [ELSE ..] END. */
    public record CaseExpr(Expr operand, List<Expr> whens, List<Expr> thens, Expr elseExpr, int position)
            implements Expr {
    }

    /** DEFAULT inside INSERT VALUES or UPDATE SET. */
    public record DefaultValue(int position) implements Expr {
    }

    /** A type as written: canonical name (int4, int8, varchar, bpchar, numeric, ...) and modifiers. */
    public record TypeName(String name, List<Integer> modifiers, int position) {
    }

    // ---------------------------------------------------------------- statements

    /** A statement as parsed. */
    public sealed interface Stmt permits Select, Insert, Update, Delete, CreateTable, DropTable, Truncate,
            TransactionStmt, Show, SetStmt, Reset, Checkpoint, RoleStmt, DropRole, NoOp, AlterTableAddPk, Copy, KnownClientQuery,
            AlterSystem, CreateDatabase, DropDatabase {
    }

    public record Target(Expr expr, String alias) {
    }

    public record OrderItem(Expr expr, boolean descending, Boolean nullsFirst) {
    }

    /**
     * FROM: one relation, optionally schema-qualified and aliased; or a function call
     * ({@code functionArgs} not null: {@code FROM generate_series(1, 3) AS i}).
     */
    public record TableRef(String schema, String name, String alias, int position, List<Expr> functionArgs) {
        public TableRef(String schema, String name, String alias, int position) {
            this(schema, name, alias, position, null);
        }
    }

    /** {@code forUpdate}: FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE (all lock rows exclusively). */
    public record Select(boolean distinct, List<Target> targets, TableRef from, Expr where, List<Expr> groupBy,
                         Expr having, List<OrderItem> orderBy, Expr limit, Expr offset, boolean forUpdate)
            implements Stmt {
    }

    public record Insert(TableRef table, List<String> columns, List<List<Expr>> rows, List<Target> returning)
            implements Stmt {
    }

    public record Assignment(String column, Expr value, int position) {
    }

    public record Update(TableRef table, List<Assignment> assignments, Expr where, List<Target> returning)
            implements Stmt {
    }

    public record Delete(TableRef table, Expr where, List<Target> returning) implements Stmt {
    }

    public record ColumnDef(String name, TypeName type, boolean notNull, boolean primaryKey, Expr defaultExpr,
                            int position) {
    }

    public record CreateTable(String name, boolean ifNotExists, List<ColumnDef> columns, List<String> primaryKey,
                              int position) implements Stmt {
    }

    public record DropTable(List<String> names, boolean ifExists) implements Stmt {
    }

    public record Truncate(List<String> names) implements Stmt {
    }

    /** ALTER TABLE t ADD [CONSTRAINT c] PRIMARY KEY (cols): pgbench -i's last step. */
    public record AlterTableAddPk(String table, List<String> columns) implements Stmt {
    }

    public enum TxKind { BEGIN, COMMIT, ROLLBACK }

    public record TransactionStmt(TxKind kind) implements Stmt {
    }

    /** SHOW name; name "all" for SHOW ALL. */
    public record Show(String name) implements Stmt {
    }

    /** SET [LOCAL] name = value; value null for DEFAULT. */
    public record SetStmt(String name, String value, boolean local) implements Stmt {
    }

    /** RESET name; "all" for RESET ALL. */
    public record Reset(String name) implements Stmt {
    }

    public record Checkpoint() implements Stmt {
    }

    /** A role option; value is Boolean, Integer, String (password, or null for PASSWORD NULL). */
    public record RoleOption(String name, Object value) {
    }

    /** CREATE ROLE/USER (create = true) or ALTER ROLE/USER; isUser makes LOGIN the default. */
    public record RoleStmt(boolean create, boolean isUser, String name, List<RoleOption> options)
            implements Stmt {
    }

    public record DropRole(List<String> names, boolean ifExists) implements Stmt {
    }

    /**
     * COPY table [(columns)] FROM STDIN [WITH (options)]: text format only; options hold
     * format, delimiter, null (lower-case names, string values).
     */
    public record Copy(String table, List<String> columns, java.util.Map<String, String> options, int position)
            implements Stmt {
    }

    /**
     * A catalog query a known client sends verbatim, recognised by {@code ClientQueries}
     * before parsing because it uses SQL Walden does not run yet (joins, LATERAL).
     */
    public record KnownClientQuery(String kind, String argument) implements Stmt {
    }

    /** ALTER SYSTEM SET name = value, or RESET name (value null). */
    public record AlterSystem(String name, String value) implements Stmt {
    }

    /** CREATE DATABASE name [options, accepted and ignored]. */
    public record CreateDatabase(String name) implements Stmt {
    }

    public record DropDatabase(String name, boolean ifExists) implements Stmt {
    }

    /** A statement accepted and ignored (VACUUM, ANALYZE): answers only its tag. */
    public record NoOp(String tag) implements Stmt {
    }
}
