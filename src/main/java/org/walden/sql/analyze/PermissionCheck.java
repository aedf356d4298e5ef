package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.Privileges;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.Routine;

/**
 * The privilege check of a query before it runs (PostgreSQL's ExecCheckRTPerms): every table,
 * view and sequence it reads needs SELECT on the columns it reads (on some column when it reads
 * none), the target of INSERT / UPDATE / DELETE the privilege of the command (INSERT and UPDATE
 * on the columns they set), and every user function EXECUTE. A table column privilege satisfies
 * the check for that column. The relations a view reads are checked with the view owner's
 * privileges; the view itself with the current user's. A failed check is 42501 "permission
 * denied for table t" (view, sequence, function), as PostgreSQL words it.
 */
public final class PermissionCheck {

    /** One query level being walked: the role it is checked as and the columns read of each entry. */
    private static final class Level {
        final Query query;
        final int role;
        final int ordinal;
        final Map<Integer, TreeSet<Integer>> used = new HashMap<>();

        Level(Query query, int role, int ordinal) {
            this.query = query;
            this.role = role;
            this.ordinal = ordinal;
        }
    }

    private final DbCatalog cat;
    /** Only collecting the columns read and functions called (a view's dependencies): views read are not entered. */
    private boolean collectOnly;
    /** When {@link #collectOnly}: the functions called, by OID. */
    private final Set<Integer> functionsCalled = new TreeSet<>();
    /** When {@link #collectOnly}: the relations regclass constants name, by OID. */
    private final Set<Integer> regclassConstants = new TreeSet<>();
    private final List<Level> finished = new ArrayList<>();
    private int ordinals;

    private PermissionCheck(DbCatalog cat) {
        this.cat = cat;
    }

    /** Raises 42501 unless {@code role} may run {@code q}. */
    public static void check(Query q, DbCatalog cat, int role) {
        PermissionCheck c = new PermissionCheck(cat);
        c.walk(q, role, new ArrayList<>());
        c.finished.sort(Comparator.comparingInt(l -> l.ordinal));
        for (Level l : c.finished) {
            c.checkLevel(l);
        }
    }

    /**
     * What a view's query depends on, as PostgreSQL records it in pg_depend: the columns
     * (attnums) of each table and view it reads (views read are not entered) and the functions
     * it calls (by OID).
     */
    public record Dependencies(Map<Integer, TreeSet<Integer>> columns, Set<Integer> functions,
                               Set<Integer> regclassConstants) {
    }

    /**
     * The relations a view's query names (by OID): those it reads and those named by regclass
     * constants ({@code nextval('s')}), whose renames its text follows and whose DROP it stops.
     */
    public static Set<Integer> relationsNamed(Query q) {
        Set<Integer> out = new TreeSet<>(q.relationsRead());
        out.addAll(dependencies(q).regclassConstants());
        return out;
    }

    /** The {@link Dependencies} of {@code q}. */
    public static Dependencies dependencies(Query q) {
        PermissionCheck c = new PermissionCheck(null);
        c.collectOnly = true;
        c.walk(q, 0, new ArrayList<>());
        Map<Integer, TreeSet<Integer>> out = new HashMap<>();
        for (Level l : c.finished) {
            for (Map.Entry<Integer, TreeSet<Integer>> e : l.used.entrySet()) {
                RangeTblEntry rte = l.query.rte(e.getKey());
                Relation rel = rte instanceof RangeTblEntry.RelationRte r ? r.relation()
                        : rte instanceof RangeTblEntry.SubqueryRte s ? s.view() : null;
                if (rel != null) {
                    TreeSet<Integer> cols = out.computeIfAbsent(rel.oid(), k -> new TreeSet<>());
                    for (int attno : e.getValue()) {
                        cols.add(rel.kind() == Relation.VIEW ? attno : rel.column(attno - 1).attnum());
                    }
                }
            }
        }
        return new Dependencies(out, c.functionsCalled, c.regclassConstants);
    }

    private void walk(Query q, int role, List<Level> outer) {
        Level level = new Level(q, role, ordinals++);
        List<Level> stack = new ArrayList<>(outer.size() + 1);
        stack.add(level);
        stack.addAll(outer);
        for (Query.TargetEntry t : q.targetList) {
            expr(t.expr(), stack);
        }
        node(q.jointree, stack);
        expr(q.havingQual, stack);
        expr(q.limitOffset, stack);
        expr(q.limitCount, stack);
        if (q.returningList != null) {
            for (Query.TargetEntry t : q.returningList) {
                expr(t.expr(), stack);
            }
        }
        if (q.onConflict != null) {
            for (Query.TargetEntry t : q.onConflict.set()) {
                expr(t.expr(), stack);
            }
            expr(q.onConflict.where(), stack);
        }
        for (Query.CommonTableExpr cte : q.cteList) {
            if (cte.query != null) {
                walk(cte.query, role, stack);
            }
        }
        for (RangeTblEntry rte : q.rtable) {
            switch (rte) {
                case RangeTblEntry.SubqueryRte s when collectOnly && s.view() != null -> {
                }
                case RangeTblEntry.SubqueryRte s -> walk(s.subquery(), s.view() != null && !s.view().virtual()
                        ? s.view().ownerOid() : role, s.view() != null ? List.of() : stack);
                case RangeTblEntry.FunctionRte f -> expr(f.call(), stack);
                case RangeTblEntry.ValuesRte v -> v.rows().forEach(row -> row.forEach(e -> expr(e, stack)));
                default -> {
                }
            }
        }
        finished.add(level);
    }

    private void node(JoinTree.Node n, List<Level> stack) {
        switch (n) {
            case JoinTree.FromExpr f -> {
                for (JoinTree.Node c : f.items()) {
                    node(c, stack);
                }
                expr(f.quals(), stack);
            }
            case JoinTree.Join j -> {
                node(j.left(), stack);
                node(j.right(), stack);
                expr(j.quals(), stack);
            }
            case JoinTree.RangeRef r -> {
            }
        }
    }

    private void expr(Expr e, List<Level> stack) {
        if (e == null) {
            return;
        }
        switch (e) {
            case Expr.Var v -> {
                if (v.levelsUp() < stack.size() && v.attno() > 0) {
                    stack.get(v.levelsUp()).used.computeIfAbsent(v.varno(), k -> new TreeSet<>()).add(v.attno());
                }
                return;
            }
            case Expr.SubLink s -> walk(s.subquery(), stack.get(0).role, stack);
            case Expr.Const k when collectOnly && k.type() == org.walden.sql.types.PgType.REGCLASS
                    && k.value() instanceof Number oid -> regclassConstants.add(oid.intValue());
            case Expr.FuncExpr f -> {
                if (collectOnly) {
                    functionsCalled.add(f.function().oid);
                } else {
                    checkFunction(f.function().oid, stack.get(0).role);
                }
            }
            default -> {
            }
        }
        for (Expr c : Exprs.children(e)) {
            expr(c, stack);
        }
    }

    private void checkFunction(int oid, int role) {
        Routine r = cat.routine(oid);
        if (r != null && Privileges.function(cat, r, role, Acl.EXECUTE) == 0) {
            throw Privileges.denied("function", r.name());
        }
    }

    private void checkLevel(Level l) {
        Query q = l.query;
        for (int i = 1; i <= q.rtable.size(); i++) {
            RangeTblEntry rte = q.rtable.get(i - 1);
            TreeSet<Integer> used = l.used.getOrDefault(i, new TreeSet<>());
            if (rte instanceof RangeTblEntry.SubqueryRte s && s.view() != null && !s.view().virtual()) {
                Relation v = s.view();
                if (Privileges.relation(cat, v, l.role, Acl.SELECT) == 0 && !columnsHeld(v, used, l.role, Acl.SELECT)) {
                    throw Privileges.denied("view", v.name());
                }
                continue;
            }
            if (!(rte instanceof RangeTblEntry.RelationRte r) || r.relation().virtual()) {
                continue;
            }
            Relation rel = r.relation();
            boolean target = i == q.resultRelation;
            if (!target && q.resultRelation > 0 && "excluded".equals(r.alias())
                    && q.rtable.get(q.resultRelation - 1) instanceof RangeTblEntry.RelationRte t
                    && t.relation().oid() == rel.oid()) {
                continue; // INSERT ... ON CONFLICT's EXCLUDED row
            }
            if (target) {
                checkTarget(q, rel, l.role);
            }
            if (rel.kind() == Relation.SEQUENCE) {
                if (Privileges.relation(cat, rel, l.role, Acl.SELECT) == 0) {
                    throw Privileges.denied("sequence", rel.name());
                }
                continue;
            }
            if (used.isEmpty() ? !target && !Privileges.anyColumn(cat, rel, l.role, Acl.SELECT)
                    : !columnsHeld(rel, used, l.role, Acl.SELECT)) {
                throw Privileges.denied(Privileges.kindWord(rel), rel.name());
            }
            // SELECT ... FOR UPDATE / SHARE also asks UPDATE, on the table or some column
            if (!target && q.rowMark != null && q.rowMark.rtIndexes().contains(i)
                    && !Privileges.anyColumn(cat, rel, l.role, Acl.UPDATE)) {
                throw Privileges.denied(Privileges.kindWord(rel), rel.name());
            }
        }
    }

    private void checkTarget(Query q, Relation rel, int role) {
        int wanted = switch (q.command) {
            case INSERT -> Acl.INSERT;
            case UPDATE -> Acl.UPDATE;
            case DELETE -> Acl.DELETE;
            default -> 0;
        };
        if (wanted == 0 || Privileges.relation(cat, rel, role, wanted) != 0) {
            return;
        }
        List<Integer> columns = q.command == Query.Command.INSERT ? q.insertNamedColumns
                : q.command == Query.Command.UPDATE ? q.updateColumns : List.of();
        TreeSet<Integer> attnos = new TreeSet<>();
        for (int c : columns) {
            attnos.add(c + 1);
        }
        boolean ok = wanted != Acl.DELETE && (attnos.isEmpty() ? Privileges.anyColumn(cat, rel, role, wanted)
                : columnsHeld(rel, attnos, role, wanted));
        if (!ok) {
            throw Privileges.denied(Privileges.kindWord(rel), rel.name());
        }
    }

    /** True when {@code role} holds {@code wanted} on the table or on each of the columns (1-based positions). */
    private boolean columnsHeld(Relation rel, TreeSet<Integer> attnos, int role, int wanted) {
        if (Privileges.relation(cat, rel, role, wanted) != 0) {
            return true;
        }
        if (attnos.isEmpty()) {
            return Privileges.anyColumn(cat, rel, role, wanted);
        }
        for (int attno : attnos) {
            if (attno > rel.columns().size()
                    || Privileges.column(cat, rel, rel.column(attno - 1).attnum(), role, wanted) == 0) {
                return false;
            }
        }
        return true;
    }
}
