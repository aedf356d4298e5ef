package org.walden.sql.command;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.parse.Tree;

/**
 * The DDL and role commands' entry (PostgreSQL's standard_ProcessUtility for them): each
 * statement to the class that carries it out, returning its command tag.
 */
public final class Commands {

    /** Transaction boundaries a command may need (CREATE INDEX CONCURRENTLY commits between its steps). */
    public interface Steps {
        /** Commits the current transaction and starts a new one (with a fresh snapshot). */
        void commitAndBegin();
    }

    /** Told when ANALYZE has stored a table's statistics (the activity counters reset their change count). */
    public interface AnalyzeListener {
        void analyzed(TableStats stats);

        /** VACUUM ran on the table (its dead-row count resets). */
        void vacuumed(int tableOid);
    }

    private final CommandContext ctx;
    private final SequenceStore sequences;
    private final Steps steps;
    private final AnalyzeListener analyzed;

    public Commands(CommandContext ctx, SequenceStore sequences, Steps steps, AnalyzeListener analyzed) {
        this.ctx = ctx;
        this.sequences = sequences;
        this.steps = steps;
        this.analyzed = analyzed;
    }

    /** The statement's name in messages ("cannot execute CREATE TABLE in a read-only transaction"). */
    public static String verb(Tree.Stmt stmt) {
        return switch (stmt) {
            case Tree.CreateTableStmt c -> "CREATE TABLE";
            case Tree.CreateTableAsStmt c -> "CREATE TABLE AS";
            case Tree.CreateMatViewStmt c -> "CREATE MATERIALIZED VIEW";
            case Tree.RefreshMatViewStmt r -> "REFRESH MATERIALIZED VIEW";
            case Tree.IndexStmt i -> "CREATE INDEX";
            case Tree.ViewStmt v -> "CREATE VIEW";
            case Tree.CreateSchemaStmt c -> "CREATE SCHEMA";
            case Tree.CreateSequenceStmt c -> "CREATE SEQUENCE";
            case Tree.CreateFunctionStmt c -> "CREATE FUNCTION";
            case Tree.DropFunctionStmt d -> "DROP FUNCTION";
            case Tree.AlterSequenceStmt a -> "ALTER SEQUENCE";
            case Tree.DropStmt d -> "DROP " + d.type().name().replace('_', ' ');
            case Tree.AlterTableStmt a -> "ALTER TABLE";
            case Tree.RenameStmt r -> "ALTER TABLE";
            case Tree.CommentStmt c -> "COMMENT";
            case Tree.TruncateStmt t -> "TRUNCATE TABLE";
            case Tree.RoleStmt r -> r.create() ? "CREATE ROLE" : "ALTER ROLE";
            case Tree.DropRoleStmt d -> "DROP ROLE";
            case Tree.GrantRoleStmt g -> g.grant() ? "GRANT ROLE" : "REVOKE ROLE";
            case Tree.GrantStmt g -> g.grant() ? "GRANT" : "REVOKE";
            case Tree.AlterDefaultPrivilegesStmt a -> "ALTER DEFAULT PRIVILEGES";
            case Tree.AlterFunctionOwnerStmt a -> "ALTER FUNCTION";
            case Tree.CreateDatabaseStmt c -> "CREATE DATABASE";
            case Tree.DropDatabaseStmt d -> "DROP DATABASE";
            case Tree.AlterDatabaseStmt a -> "ALTER DATABASE";
            case Tree.CreateTablespaceStmt c -> "CREATE TABLESPACE";
            case Tree.DropTablespaceStmt d -> "DROP TABLESPACE";
            case Tree.AlterTablespaceStmt a -> "ALTER TABLESPACE";
            case Tree.VacuumStmt v -> v.vacuum() ? "VACUUM" : "ANALYZE";
            case Tree.ReindexStmt r -> "REINDEX";
            case Tree.ClusterStmt c -> "CLUSTER";
            default -> stmt.getClass().getSimpleName();
        };
    }

    /** CREATE TABLE, with its LIKE clauses' columns, then their indexes and comments once the table exists. */
    private String createTable(Tree.CreateTableStmt c) {
        if (c.likes().isEmpty()) {
            return new TableCommands(ctx).createTable(c);
        }
        boolean skipped = c.ifNotExists() && ctx.lookup().relation(c.relation().schema(), c.relation().name()) != null;
        TableLikeExpansion like = new TableLikeExpansion(ctx);
        String tag = new TableCommands(ctx).createTable(like.expand(c));
        if (!skipped) {
            like.finish(c.relation(), this);
        }
        return tag;
    }

    public String run(Tree.Stmt stmt) {
        return switch (stmt) {
            case Tree.CreateTableStmt c -> createTable(c);
            case Tree.CreateTableAsStmt c -> new TableCommands(ctx).createTableAs(c);
            case Tree.CreateMatViewStmt c -> new MatviewCommands(ctx).create(c);
            case Tree.RefreshMatViewStmt r -> new MatviewCommands(ctx).refresh(r);
            case Tree.IndexStmt i -> i.concurrently() ? new ConcurrentIndexBuild(ctx, steps).run(i)
                    : new IndexCommands(ctx).create(i);
            case Tree.ViewStmt v -> new ObjectCommands(ctx).createView(v);
            case Tree.CreateSchemaStmt c -> new ObjectCommands(ctx).createSchema(c);
            case Tree.CreateSequenceStmt c -> new SequenceCommands(ctx, sequences).createStatement(c);
            case Tree.AlterSequenceStmt a -> new SequenceCommands(ctx, sequences).alter(a);
            case Tree.DropStmt d -> new DropCommands(ctx, sequences).drop(d);
            case Tree.CreateFunctionStmt c -> new FunctionCommands(ctx).create(c);
            case Tree.DropFunctionStmt d -> new FunctionCommands(ctx).drop(d);
            case Tree.AlterTableStmt a -> new AlterCommands(ctx).alter(a);
            case Tree.RenameStmt r -> new ObjectCommands(ctx).rename(r);
            case Tree.CommentStmt c -> new ObjectCommands(ctx).comment(c);
            case Tree.TruncateStmt t -> new DropCommands(ctx, sequences).truncate(t);
            case Tree.RoleStmt r -> new RoleCommands(ctx).roleStmt(r);
            case Tree.DropRoleStmt d -> new RoleCommands(ctx).drop(d);
            case Tree.GrantRoleStmt g -> new RoleCommands(ctx).grant(g);
            case Tree.GrantStmt g -> new PrivilegeCommands(ctx).grant(g);
            case Tree.AlterDefaultPrivilegesStmt a -> new PrivilegeCommands(ctx).alterDefaultPrivileges(a);
            case Tree.AlterFunctionOwnerStmt a -> new FunctionCommands(ctx).ownerTo(a);
            case Tree.CreateDatabaseStmt c -> new DatabaseCommands(ctx).create(c);
            case Tree.DropDatabaseStmt d -> new DatabaseCommands(ctx).drop(d);
            case Tree.AlterDatabaseStmt a -> new DatabaseCommands(ctx).alter(a);
            case Tree.CreateTablespaceStmt c -> new TablespaceCommands(ctx).create(c);
            case Tree.DropTablespaceStmt d -> new TablespaceCommands(ctx).drop(d);
            case Tree.AlterTablespaceStmt a -> new TablespaceCommands(ctx).alter(a);
            case Tree.VacuumStmt v -> analyze(v);
            case Tree.ReindexStmt r -> new ReindexCommands(ctx, steps).reindex(r);
            case Tree.ClusterStmt c -> new ReindexCommands(ctx, steps).cluster(c);
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, verb(stmt) + " is not supported");
        };
    }

    private String analyze(Tree.VacuumStmt v) {
        AnalyzeCommand a = new AnalyzeCommand(ctx);
        String tag = a.analyze(v, analyzed);
        return tag;
    }

    /** DISCARD TEMP (and DISCARD ALL, and the end of a session): this session's temporary relations go. */
    public void discardTemp() {
        new TempNamespaces(ctx, sequences).discard();
    }

    /** A LANGUAGE sql function's body as one statement. */
    public static Tree.Stmt sqlFunctionBody(String body) {
        return FunctionCommands.parseBody(body);
    }

    /** COPY ... FROM STDIN: the row reader the session feeds with CopyData. */
    public static CopyFrom copyFrom(CommandContext ctx, Tree.CopyStmt c) {
        return CopyFrom.start(ctx, c);
    }
}
