package org.walden.sql.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.analyze.Query;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.Routine;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * CREATE [OR REPLACE] FUNCTION ... LANGUAGE sql and DROP FUNCTION (PostgreSQL's functioncmds.c
 * with the sql language's validator, check_function_bodies on): the body is one query, analyzed
 * at creation with the parameters' types and names so that an unknown table or column, or a
 * result that cannot become the declared type, fails then with PostgreSQL's message; the stored
 * record is a {@link Routine}. OR REPLACE keeps the OID and refuses a changed result type.
 */
final class FunctionCommands extends DdlSupport {

    FunctionCommands(CommandContext ctx) {
        super(ctx);
    }

    String create(Tree.CreateFunctionStmt s) {
        String schema = s.name().size() > 1 ? s.name().get(s.name().size() - 2) : null;
        String name = s.name().get(s.name().size() - 1);
        Namespace ns = creationNamespace(schema);
        Analyzer an = new Analyzer(ctx.analyzerEnv());
        List<String> argNames = new ArrayList<>();
        List<Integer> argTypes = new ArrayList<>();
        for (Tree.FunctionParam p : s.params()) {
            argNames.add(p.name());
            argTypes.add(an.typeName(p.type()).type().oid);
        }
        PgType result;
        List<String> outNames = new ArrayList<>();
        List<Integer> outTypes = new ArrayList<>();
        if (s.table() != null) {
            for (Tree.ColumnTypeDef c : s.table()) {
                outNames.add(c.name());
                outTypes.add(an.typeName(c.type()).type().oid);
            }
            result = outNames.size() == 1 ? PgType.byOid(outTypes.get(0)) : PgType.RECORD;
        } else {
            result = an.typeName(s.returns()).type();
        }
        checkBody(s.body(), argTypes, argNames, result, outTypes);
        Routine existing = find(ns.oid(), name, argTypes);
        if (existing != null && !s.orReplace()) {
            throw new PgException(SqlState.DUPLICATE_FUNCTION, "function \"" + name + "\" already exists with same "
                    + "argument types");
        }
        if (existing != null && (existing.resultTypeOid() != result.oid || existing.retset() != s.setof()
                || !existing.outTypeOids().equals(outTypes))) {
            throw new PgException(SqlState.INVALID_FUNCTION_DEFINITION, "cannot change return type of existing "
                    + "function").withHint("Use DROP FUNCTION " + name + "(" + typeList(argTypes).replace(", ", ",") + ") first.");
        }
        if (existing != null) {
            checkOwner(existing);
        }
        int oid = existing != null ? existing.oid() : ctx.writer().allocateOid();
        int owner = existing != null ? existing.ownerOid() : ctx.currentRole().oid();
        ctx.writer().putRoutine(new Routine(oid, name, ns.oid(), owner, java.util.Collections.unmodifiableList(
                argNames), List.copyOf(argTypes), result.oid, s.setof(), List.copyOf(outNames), List.copyOf(outTypes),
                s.volatility(), s.strict(), s.body()));
        if (existing == null) {
            applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType.FUNCTION, org.walden.sql.catalog.DbCatalog.PG_PROC, oid, owner, ns.oid());
        }
        ctx.catalogChanged();
        return "CREATE FUNCTION";
    }

    /** The body must be one query whose result the declared type can take (check_sql_fn_retval). */
    private void checkBody(String body, List<Integer> argTypes, List<String> argNames, PgType result,
                           List<Integer> outTypes) {
        Tree.Stmt stmt = parseBody(body);
        int[] oids = argTypes.stream().mapToInt(Integer::intValue).toArray();
        AnalyzerEnv env = new AnalyzerEnv(ctx.lookup(), ctx.analyzerEnv().values(), ParamTypes.ofFunction(oids,
                argNames));
        Query q = new Analyzer(env).analyze(stmt);
        List<Query.TargetEntry> targets = q.command == Query.Command.SELECT ? q.visibleTargets() : q.returningList;
        String declared = result.formatType(-1);
        if (targets == null) {
            throw new PgException(SqlState.INVALID_FUNCTION_DEFINITION, "return type mismatch in function declared "
                    + "to return " + declared).withDetail("Function's final statement must be SELECT or "
                    + "INSERT/UPDATE/DELETE RETURNING.");
        }
        List<PgType> expected = outTypes.isEmpty() ? List.of(result) : outTypes.stream().map(PgType::byOid).toList();
        if (targets.size() != expected.size()) {
            throw new PgException(SqlState.INVALID_FUNCTION_DEFINITION, "return type mismatch in function declared "
                    + "to return " + declared).withDetail(expected.size() == 1
                    ? "Final statement must return exactly one column." : "Final statement returns "
                    + (targets.size() > expected.size() ? "too many" : "too few") + " columns.");
        }
        for (int i = 0; i < targets.size(); i++) {
            PgType actual = targets.get(i).expr().type();
            PgType want = expected.get(i);
            if (actual != want && actual != PgType.UNKNOWN && !Values.canCast(actual, want)) {
                throw new PgException(SqlState.INVALID_FUNCTION_DEFINITION, "return type mismatch in function "
                        + "declared to return " + declared).withDetail("Actual return type is "
                        + actual.formatType(-1) + ".");
            }
        }
    }

    /** The body's one statement (a trailing semicolon allowed); more than one is refused. */
    static Tree.Stmt parseBody(String body) {
        String text = body.strip();
        while (text.endsWith(";")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        if (text.isEmpty()) {
            throw new PgException(SqlState.INVALID_FUNCTION_DEFINITION, "return type mismatch in function")
                    .withDetail("Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING.");
        }
        if (text.contains(";")) {
            Tree.Stmt only;
            try {
                only = SqlParser.parse(text);
            } catch (PgException e) {
                throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "SQL functions of more than one statement "
                        + "are not supported");
            }
            return only;
        }
        return SqlParser.parse(text);
    }

    String drop(Tree.DropFunctionStmt s) {
        for (Tree.FunctionRef ref : s.functions()) {
            String schema = ref.name().size() > 1 ? ref.name().get(ref.name().size() - 2) : null;
            String name = ref.name().get(ref.name().size() - 1);
            Routine r = resolve(schema, name, ref.args(), s.ifExists());
            if (r != null) {
                checkOwner(r);
                dropViewsCalling(r, s.cascade());
                ctx.writer().deleteRoutine(r);
                ctx.writer().putComment(PG_PROC, r.oid(), 0, null);
                ctx.catalogChanged();
            }
        }
        return "DROP FUNCTION";
    }

    /** Views calling {@code r} stop DROP FUNCTION (2BP01), or go with it under CASCADE (and the views reading them). */
    private void dropViewsCalling(Routine r, boolean cascade) {
        List<Relation> views = viewsCalling(r.oid());
        if (views.isEmpty()) {
            return;
        }
        String what = "function " + r.name() + "(" + typeList(r.argTypeOids()) + ")";
        DropCommands drops = new DropCommands(ctx, null);
        Map<Integer, String> plan = new LinkedHashMap<>();
        List<String> details = new ArrayList<>();
        for (Relation v : views) {
            if (!plan.containsKey(v.oid())) {
                details.add("view " + drops.described(v) + " depends on " + what);
                plan.put(v.oid(), "view " + drops.described(v));
                drops.collectDependents(v, plan, details);
            }
        }
        if (!cascade) {
            throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop " + what
                    + " because other objects depend on it").withDetail(String.join("\n", details))
                    .withHint("Use DROP ... CASCADE to drop the dependent objects too.");
        }
        drops.noticeCascades(new ArrayList<>(plan.values()));
        for (Integer oid : plan.keySet()) {
            Relation current = catalog().relation(oid);
            if (current != null) {
                drops.dropRelation(current);
            }
        }
    }

    static final int PG_PROC = 1255;

    Routine resolve(String schema, String name, List<Tree.TypeName> args, boolean ifExists) {
        List<Integer> argTypes = null;
        if (args != null) {
            Analyzer an = new Analyzer(ctx.analyzerEnv());
            argTypes = new ArrayList<>();
            for (Tree.TypeName t : args) {
                argTypes.add(an.typeName(t).type().oid);
            }
        }
        Namespace ns = schema == null ? null : ctx.lookup().namespace(schema);
        if (schema != null && ns == null) {
            if (ifExists) {
                ctx.notice(notice(SqlState.INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist, skipping"));
                return null;
            }
            throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + schema + "\" does not exist");
        }
        List<Routine> found = new ArrayList<>();
        for (Routine r : catalog().routines(name)) {
            boolean inSchema = ns != null ? r.namespaceOid() == ns.oid() : ctx.lookup().namespaceSearched(
                    r.namespaceOid());
            if (inSchema && (argTypes == null || r.argTypeOids().equals(argTypes))) {
                found.add(r);
            }
        }
        String shown = (schema == null ? "" : schema + ".") + name + (argTypes == null ? "" : "("
                + typeList(argTypes) + ")");
        if (found.isEmpty()) {
            if (ifExists) {
                // as PostgreSQL's does_not_exist_skipping, which prints the argument types as TypeNameListToString
                List<String> internal = new ArrayList<>();
                for (int oid : argTypes == null ? List.<Integer>of() : argTypes) {
                    PgType t = PgType.byOid(oid);
                    internal.add(t == null ? String.valueOf(oid) : "pg_catalog." + t.typname);
                }
                ctx.notice(notice(SqlState.SUCCESSFUL_COMPLETION, "function " + (schema == null ? "" : schema + ".")
                        + name + "(" + String.join(",", internal) + ") does not exist, skipping"));
                return null;
            }
            throw new PgException(SqlState.UNDEFINED_FUNCTION, argTypes == null
                    ? "could not find a function named \"" + name + "\"" : "function " + shown + " does not exist");
        }
        if (found.size() > 1) {
            throw new PgException(SqlState.AMBIGUOUS_FUNCTION, "function name \"" + name + "\" is not unique")
                    .withHint("Specify the argument list to select the function unambiguously.");
        }
        return found.get(0);
    }

    private Routine find(int namespaceOid, String name, List<Integer> argTypes) {
        for (Routine r : catalog().routines(name)) {
            if (r.namespaceOid() == namespaceOid && r.argTypeOids().equals(argTypes)) {
                return r;
            }
        }
        return null;
    }

    /** ALTER FUNCTION ... OWNER TO: the ACL's owner items go to the new owner. */
    String ownerTo(Tree.AlterFunctionOwnerStmt s) {
        Tree.FunctionRef ref = s.function();
        String schema = ref.name().size() > 1 ? ref.name().get(ref.name().size() - 2) : null;
        Routine r = resolve(schema, ref.name().get(ref.name().size() - 1), ref.args(), false);
        checkOwner(r);
        RoleDef owner = catalog().role(s.owner());
        if (owner == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + s.owner() + "\" does not exist");
        }
        ctx.writer().putRoutine(new Routine(r.oid(), r.name(), r.namespaceOid(), owner.oid(), r.argNames(),
                r.argTypeOids(), r.resultTypeOid(), r.retset(), r.outNames(), r.outTypeOids(), r.volatility(),
                r.strict(), r.body()));
        var acl = catalog().acl(PG_PROC, r.oid(), 0);
        if (acl != null) {
            ctx.writer().putAcl(PG_PROC, r.oid(), 0, org.walden.sql.catalog.Acl.newOwner(acl, r.ownerOid(),
                    owner.oid()));
        }
        ctx.catalogChanged();
        return "ALTER FUNCTION";
    }

    private void checkOwner(Routine r) {
        var me = ctx.currentRole();
        if (me != null && !me.superuser() && me.oid() != r.ownerOid()
                && !catalog().shared().isMemberOf(me.oid(), r.ownerOid())) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be owner of function " + r.name());
        }
    }

    private static String typeList(List<Integer> oids) {
        List<String> names = new ArrayList<>();
        for (int oid : oids) {
            PgType t = PgType.byOid(oid);
            names.add(t == null ? String.valueOf(oid) : t.formatType(-1));
        }
        return String.join(", ", names);
    }
}
