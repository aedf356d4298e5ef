package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.SqlState;
import org.walden.sql.parse.Tree.*;

/**
 * Queries: SELECT with its clauses (FROM with joins, LATERAL, subqueries and functions; WHERE,
 * GROUP BY, HAVING, WINDOW, ORDER BY, LIMIT / OFFSET / FETCH, FOR UPDATE), VALUES, set
 * operations (INTERSECT binding tighter than UNION and EXCEPT), WITH [RECURSIVE]; and the
 * data-changing statements INSERT, UPDATE and DELETE.
 */
abstract class QueryParser extends ExprParser {

    /** The persistence of the last SELECT ... INTO [TEMP | UNLOGGED] parsed ('p', 't', 'u'). */
    char intoPersistence = 'p';

    QueryParser(String sql) {
        super(sql);
    }

    QueryParser(String sql, List<Token> tokens) {
        super(sql, tokens);
    }

    // ---------------------------------------------------------------- SELECT

    @Override
    SelectStmt selectStatement() {
        WithClause with = isWord("with") ? withClause() : null;
        SelectStmt body = setOperations();
        List<SortBy> sort = isWord("order") ? orderByClause() : List.of();
        Expr limit = null;
        Expr offset = null;
        boolean withTies = false;
        List<LockingClause> locking = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (acceptWord("limit")) {
                if (acceptWord("all")) {
                    limit = new Const(ConstKind.NULL, "null", tokens.get(index - 1).position());
                } else {
                    limit = expr();
                }
                if (acceptOp(",")) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "LIMIT #,# syntax is not supported",
                            tokens.get(index - 1).position());
                }
            } else if (acceptWord("offset")) {
                offset = expr();
                if (!acceptWord("rows")) {
                    acceptWord("row");
                }
            } else if (isWord("fetch")) {
                advance();
                if (!acceptWord("first")) {
                    expectWord("next");
                }
                if (isWord("row") || isWord("rows")) {
                    limit = new Const(ConstKind.INTEGER, "1", peek().position());
                } else {
                    limit = fetchCount();
                }
                if (!acceptWord("rows")) {
                    expectWord("row");
                }
                if (acceptWord("with")) {
                    expectWord("ties");
                    withTies = true;
                } else {
                    expectWord("only");
                }
            } else if (isWord("for") && !isWordAt(1, "each")) {
                if (!acceptWords("for", "read", "only")) { // gram.y's FOR READ ONLY: no locking
                    locking.add(lockingClause());
                }
            }
        }
        while (isWord("for") && !acceptWords("for", "read", "only")) {
            locking.add(lockingClause());
        }
        if (sort.isEmpty() && limit == null && offset == null && locking.isEmpty() && with == null) {
            return body;
        }
        if ((body.limit() != null || !body.sort().isEmpty()) && (limit != null || !sort.isEmpty())) {
            if (!body.sort().isEmpty() && !sort.isEmpty()) {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "multiple ORDER BY clauses not allowed", peek().position());
            }
        }
        return body.withSortLimit(sort.isEmpty() ? body.sort() : sort, limit != null ? limit : body.limit(),
                offset != null ? offset : body.offset(), withTies || body.withTies(),
                locking.isEmpty() ? body.locking() : locking, with != null ? with : body.with());
    }

    private Expr fetchCount() {
        if (peek().isOp("(")) {
            advance();
            Expr e = expr();
            expectOp(")");
            return e;
        }
        boolean negative = acceptOp("-");
        Token t = advance();
        if (t.kind() != Token.Kind.INTEGER && t.kind() != Token.Kind.DECIMAL && t.kind() != Token.Kind.PARAM) {
            throw SyntaxError.atOrNear(t);
        }
        if (t.kind() == Token.Kind.PARAM) {
            return new ParamRef(Integer.parseInt(t.text()), t.position());
        }
        return new Const(t.kind() == Token.Kind.INTEGER ? ConstKind.INTEGER : ConstKind.DECIMAL,
                (negative ? "-" : "") + t.text(), t.position());
    }

    private LockingClause lockingClause() {
        expectWord("for");
        String strength;
        if (acceptWord("update")) {
            strength = "UPDATE";
        } else if (acceptWord("share")) {
            strength = "SHARE";
        } else if (acceptWord("no")) {
            expectWord("key");
            expectWord("update");
            strength = "NO KEY UPDATE";
        } else {
            expectWord("key");
            expectWord("share");
            strength = "KEY SHARE";
        }
        if (acceptWord("of")) {
            do {
                qualifiedName();
            } while (acceptOp(","));
        }
        boolean noWait = acceptWord("nowait");
        boolean skip = false;
        if (acceptWord("skip")) {
            expectWord("locked");
            skip = true;
        }
        return new LockingClause(strength, noWait, skip);
    }

    WithClause withClause() {
        expectWord("with");
        boolean recursive = acceptWord("recursive");
        List<CommonTableExpr> ctes = new ArrayList<>();
        do {
            int pos = peek().position();
            String name = colId();
            List<String> columns = peek().isOp("(") ? parenNameList() : null;
            expectWord("as");
            Boolean materialized = null;
            if (acceptWord("materialized")) {
                materialized = true;
            } else if (acceptWords("not", "materialized")) {
                materialized = false;
            }
            expectOp("(");
            Stmt query = preparableStatement();
            expectOp(")");
            ctes.add(new CommonTableExpr(name, columns, query, materialized, pos));
        } while (acceptOp(","));
        return new WithClause(ctes, recursive);
    }

    /** A statement allowed inside WITH or PREPARE: SELECT, VALUES, INSERT, UPDATE, DELETE. */
    Stmt preparableStatement() {
        if (isWord("insert")) {
            return insert(null);
        }
        if (isWord("update")) {
            return update(null);
        }
        if (isWord("delete")) {
            return delete(null);
        }
        if (isWord("with")) {
            int save = index;
            WithClause with = withClause();
            if (isWord("insert")) {
                return insert(with);
            }
            if (isWord("update")) {
                return update(with);
            }
            if (isWord("delete")) {
                return delete(with);
            }
            index = save;
        }
        return selectStatement();
    }

    private SelectStmt setOperations() {
        SelectStmt left = intersections();
        while (isWord("union") || isWord("except")) {
            Token op = advance();
            boolean all = acceptWord("all");
            if (!all) {
                acceptWord("distinct");
            }
            SelectStmt right = intersections();
            left = setOp(op.text().equals("union") ? SetOp.UNION : SetOp.EXCEPT, all, left, right, op.position());
        }
        return left;
    }

    private SelectStmt intersections() {
        SelectStmt left = selectPrimary();
        while (isWord("intersect")) {
            Token op = advance();
            boolean all = acceptWord("all");
            if (!all) {
                acceptWord("distinct");
            }
            left = setOp(SetOp.INTERSECT, all, left, selectPrimary(), op.position());
        }
        return left;
    }

    private static SelectStmt setOp(SetOp op, boolean all, SelectStmt left, SelectStmt right, int pos) {
        return new SelectStmt(op, all, left, right, null, List.of(), null, List.of(), null, List.of(), false, null,
                Map.of(), null, List.of(), null, null, false, List.of(), null, pos);
    }

    private SelectStmt selectPrimary() {
        if (peek().isOp("(")) {
            advance();
            SelectStmt inner = selectStatement();
            expectOp(")");
            return inner;
        }
        if (isWord("values")) {
            return valuesClause();
        }
        if (isWord("table")) {
            int pos = advance().position();
            List<String> name = qualifiedName();
            RangeVar rv = rangeVarOf(name, pos);
            return simpleSelect(pos, null, List.of(new ResTarget(new Star(pos), null, pos)), null, List.of(rv), null,
                    List.of(), false, null, Map.of());
        }
        if (!isWord("select")) {
            throw error();
        }
        return simpleSelectBody();
    }

    private static SelectStmt simpleSelect(int pos, List<Expr> distinct, List<ResTarget> targets, List<String> into,
                                           List<FromItem> from, Expr where, List<Object> groupBy, boolean groupDistinct,
                                           Expr having, Map<String, WindowDef> windows) {
        return new SelectStmt(SetOp.NONE, false, null, null, distinct, targets, into, from, where, groupBy,
                groupDistinct, having, windows, null, List.of(), null, null, false, List.of(), null, pos);
    }

    private SelectStmt valuesClause() {
        int pos = advance().position();
        List<List<Expr>> rows = new ArrayList<>();
        do {
            rows.add(parenExprList());
        } while (acceptOp(","));
        return new SelectStmt(SetOp.NONE, false, null, null, null, List.of(), null, List.of(), null, List.of(), false,
                null, Map.of(), rows, List.of(), null, null, false, List.of(), null, pos);
    }

    private SelectStmt simpleSelectBody() {
        int pos = advance().position();
        List<Expr> distinct = null;
        if (acceptWord("distinct")) {
            distinct = List.of();
            if (acceptWord("on")) {
                distinct = parenExprList();
            }
        } else {
            acceptWord("all");
        }
        List<ResTarget> targets = new ArrayList<>();
        if (!atEnd() && !isWord("from") && !isWord("where") && !isWord("group") && !isWord("having")
                && !isWord("order") && !isWord("limit") && !isWord("union") && !isWord("intersect")
                && !isWord("except") && !isWord("into") && !isWord("window") && !peek().isOp(")")
                && !isWord("offset") && !isWord("fetch")) {
            targets = targetList();
        }
        List<String> into = null;
        if (acceptWord("into")) {
            intoPersistence = 'p';
            if (acceptWord("local") || acceptWord("global")) {
                intoPersistence = 't';
            }
            if (acceptWord("temporary") || acceptWord("temp")) {
                intoPersistence = 't';
            } else if (acceptWord("unlogged")) {
                intoPersistence = 'u';
            }
            acceptWord("table");
            into = qualifiedName();
        }
        List<FromItem> from = List.of();
        if (acceptWord("from")) {
            from = fromList();
        }
        Expr where = acceptWord("where") ? expr() : null;
        List<Object> groupBy = new ArrayList<>();
        boolean groupDistinct = false;
        if (acceptWord("group")) {
            expectWord("by");
            if (acceptWord("distinct")) {
                groupDistinct = true;
            } else {
                acceptWord("all");
            }
            do {
                groupBy.add(groupingElement());
            } while (acceptOp(","));
        }
        Expr having = acceptWord("having") ? expr() : null;
        Map<String, WindowDef> windows = new LinkedHashMap<>();
        if (acceptWord("window")) {
            do {
                String name = colId();
                expectWord("as");
                windows.put(name, windowSpecification(name));
            } while (acceptOp(","));
        }
        return simpleSelect(pos, distinct, targets, into, from, where, groupBy, groupDistinct, having, windows);
    }

    private Object groupingElement() {
        if (peek().isOp("(") && peekAt(1).isOp(")")) {
            index += 2;
            return new GroupingSet("EMPTY", List.of());
        }
        if ((isWord("rollup") || isWord("cube")) && peekAt(1).isOp("(")) {
            String kind = advance().text().toUpperCase(java.util.Locale.ROOT);
            expectOp("(");
            List<Object> items = new ArrayList<>();
            do {
                items.add(groupingSetItem());
            } while (acceptOp(","));
            expectOp(")");
            return new GroupingSet(kind, items);
        }
        if (isWord("grouping") && peekAt(1).isWord("sets")) {
            index += 2;
            expectOp("(");
            List<Object> items = new ArrayList<>();
            do {
                Object e = groupingElement();
                items.add(e instanceof GroupingSet g ? g : groupingSetList((Expr) e));
            } while (acceptOp(","));
            expectOp(")");
            return new GroupingSet("SETS", items);
        }
        return expr();
    }

    /** An item of ROLLUP / CUBE: an expression or a parenthesized list of them (one set). */
    private List<Expr> groupingSetItem() {
        return groupingSetList(expr());
    }

    /** {@code (a, b)} in a grouping set is the list a, b; anything else one expression. */
    private static List<Expr> groupingSetList(Expr e) {
        if (e instanceof RowExpr r && !r.explicitRow()) {
            return r.args();
        }
        return List.of(e);
    }

    List<ResTarget> targetList() {
        List<ResTarget> targets = new ArrayList<>();
        do {
            targets.add(target());
        } while (acceptOp(","));
        return targets;
    }

    private ResTarget target() {
        int pos = peek().position();
        if (peek().isOp("*")) {
            advance();
            return new ResTarget(new Star(pos), null, pos);
        }
        Expr e = expr();
        String alias = null;
        if (acceptWord("as")) {
            alias = colLabel();
        } else if (isBareLabel(peek())) {
            alias = advance().text();
        }
        return new ResTarget(e, alias, pos);
    }

    // ---------------------------------------------------------------- FROM

    List<FromItem> fromList() {
        List<FromItem> items = new ArrayList<>();
        do {
            items.add(joinedTable());
        } while (acceptOp(","));
        return items;
    }

    private FromItem joinedTable() {
        FromItem left = tableReference();
        while (true) {
            int pos = peek().position();
            if (acceptWords("cross", "join")) {
                left = new JoinExpr(JoinType.CROSS, false, left, tableReference(), null, null, null, pos);
                continue;
            }
            boolean natural = acceptWord("natural");
            JoinType type = joinType();
            if (type == null) {
                if (natural) {
                    throw error();
                }
                return left;
            }
            FromItem right = tableReference();
            List<String> using = null;
            Expr quals = null;
            Alias usingAlias = null;
            if (!natural) {
                if (acceptWord("using")) {
                    using = parenNameList();
                    if (acceptWord("as")) {
                        usingAlias = new Alias(colId(), null);
                    }
                } else {
                    expectWord("on");
                    quals = expr();
                }
            }
            left = new JoinExpr(type, natural, left, right, using, quals, usingAlias, pos);
        }
    }

    private JoinType joinType() {
        if (acceptWord("join")) {
            return JoinType.INNER;
        }
        if (isWord("inner") && isWordAt(1, "join")) {
            index += 2;
            return JoinType.INNER;
        }
        for (String w : List.of("left", "right", "full")) {
            if (isWord(w) && (isWordAt(1, "join") || (isWordAt(1, "outer") && isWordAt(2, "join")))) {
                advance();
                acceptWord("outer");
                expectWord("join");
                return JoinType.valueOf(w.toUpperCase(java.util.Locale.ROOT));
            }
        }
        return null;
    }

    private FromItem tableReference() {
        int pos = peek().position();
        boolean lateral = acceptWord("lateral");
        if (peek().isOp("(")) {
            if (startsQuery(1)) {
                advance();
                SelectStmt sub = selectStatement();
                expectOp(")");
                Alias alias = alias(true);
                if (alias == null) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "subquery in FROM must have an alias", pos)
                            .withHint("For example, FROM (SELECT ...) [AS] foo.");
                }
                return new RangeSubselect(lateral, sub, alias, pos);
            }
            advance();
            FromItem inner = joinedTable();
            expectOp(")");
            Alias alias = alias(true);
            if (alias != null && inner instanceof JoinExpr j) {
                return new JoinExpr(j.type(), j.natural(), j.left(), j.right(), j.using(), j.quals(), alias,
                        j.position());
            }
            return inner;
        }
        if (isWord("rows") && isWordAt(1, "from")) {
            throw unsupported("ROWS FROM");
        }
        boolean only = acceptWord("only");
        List<String> name = qualifiedName();
        if (peek().isOp("(") && !only) {
            FuncCall f = functionCall(name, pos, null);
            boolean ordinality = false;
            if (isWord("with") && isWordAt(1, "ordinality")) {
                index += 2;
                ordinality = true;
            }
            Alias alias = null;
            List<ColumnTypeDef> defs = null;
            boolean as = acceptWord("as");
            if (as && peek().isOp("(")) {
                defs = columnDefList();
            } else if (as || isBareTableAlias()) {
                String aliasName = colId();
                List<String> cols = null;
                if (peek().isOp("(")) {
                    if (peekAt(2).kind() == Token.Kind.IDENT && !peekAt(2).isOp(",") && !peekAt(2).isOp(")")) {
                        defs = columnDefList();
                    } else {
                        cols = parenNameList();
                    }
                }
                alias = new Alias(aliasName, cols);
            }
            return new RangeFunction(lateral, f, ordinality, alias, defs, pos);
        }
        if (lateral) {
            throw error();
        }
        RangeVar rv = rangeVarOf(name, pos);
        if (isWord("tablesample")) {
            throw unsupported("TABLESAMPLE");
        }
        Alias alias = alias(true);
        return new RangeVar(rv.schema(), rv.name(), alias, only, pos);
    }

    private List<ColumnTypeDef> columnDefList() {
        expectOp("(");
        List<ColumnTypeDef> defs = new ArrayList<>();
        do {
            String n = colId();
            defs.add(new ColumnTypeDef(n, typeName()));
        } while (acceptOp(","));
        expectOp(")");
        return defs;
    }

    RangeVar rangeVarOf(List<String> name, int pos) {
        if (name.size() > 3) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "improper qualified name (too many dotted names): "
                    + String.join(".", name), pos);
        }
        String schema = name.size() >= 2 ? name.get(name.size() - 2) : null;
        return new RangeVar(schema, name.get(name.size() - 1), null, false, pos);
    }

    private boolean isBareTableAlias() {
        Token t = peek();
        if (!isColId(t)) {
            return false;
        }
        return t.quoted() || !NOT_BARE_LABEL.contains(t.text()) && !t.text().equals("set")
                && !t.text().equals("where");
    }

    /** [AS] alias [(columns)]. */
    Alias alias(boolean columnsAllowed) {
        boolean as = acceptWord("as");
        if (!as && !isBareTableAlias()) {
            return null;
        }
        String name = as ? colLabelOrId() : colId();
        List<String> cols = null;
        if (columnsAllowed && peek().isOp("(")) {
            cols = parenNameList();
        }
        return new Alias(name, cols);
    }

    private String colLabelOrId() {
        return colId();
    }

    // ---------------------------------------------------------------- INSERT / UPDATE / DELETE

    InsertStmt insert(WithClause with) {
        int pos = peek().position();
        expectWord("insert");
        expectWord("into");
        List<String> name = qualifiedName();
        RangeVar rel = rangeVarOf(name, pos);
        Alias alias = null;
        if (acceptWord("as")) {
            alias = new Alias(colId(), null);
        }
        rel = new RangeVar(rel.schema(), rel.name(), alias, false, rel.position());
        List<String> columns = null;
        List<SetClause> columnTargets = null; // the column list's entries, with their subscripts, when any has one
        if (peek().isOp("(") && !startsQuery(1)) {
            columns = new ArrayList<>();
            List<SetClause> targets = new ArrayList<>();
            advance();
            do {
                int columnPos = peek().position();
                columns.add(colId());
                List<IndirectionStep> steps = assignmentIndirection();
                targets.add(new SetClause(columns.get(columns.size() - 1), steps, null, columnPos));
                if (!steps.isEmpty()) {
                    columnTargets = targets;
                }
            } while (acceptOp(","));
            expectOp(")");
        }
        String overriding = null;
        if (acceptWord("overriding")) {
            overriding = acceptWord("system") ? "SYSTEM" : advance().text().equals("user") ? "USER" : null;
            expectWord("value");
        }
        SelectStmt select = null;
        if (acceptWord("default")) {
            expectWord("values");
        } else {
            select = selectStatement();
        }
        OnConflict onConflict = null;
        if (acceptWord("on")) {
            expectWord("conflict");
            onConflict = onConflict();
        }
        List<ResTarget> returning = acceptWord("returning") ? targetList() : null;
        return new InsertStmt(rel, columns, select, onConflict, returning, with, overriding, pos, columnTargets);
    }

    private OnConflict onConflict() {
        List<Expr> target = null;
        String constraint = null;
        Expr targetWhere = null;
        if (peek().isOp("(")) {
            target = new ArrayList<>();
            advance();
            do {
                target.add(expr());
            } while (acceptOp(","));
            expectOp(")");
            if (acceptWord("where")) {
                targetWhere = expr();
            }
        } else if (acceptWords("on", "constraint")) {
            constraint = colId();
        }
        expectWord("do");
        if (acceptWord("nothing")) {
            return new OnConflict(target, constraint, targetWhere, false, List.of(), null);
        }
        expectWord("update");
        expectWord("set");
        List<SetClause> set = setClauses();
        Expr where = acceptWord("where") ? expr() : null;
        return new OnConflict(target, constraint, targetWhere, true, set, where);
    }

    List<SetClause> setClauses() {
        List<SetClause> out = new ArrayList<>();
        do {
            int pos = peek().position();
            if (peek().isOp("(")) {
                List<String> cols = parenNameList();
                expectOp("=");
                Expr value = expr();
                List<Expr> values;
                if (value instanceof RowExpr r) {
                    values = r.args();
                } else if (value instanceof SubLink s && s.kind() == SubLinkKind.EXPR) {
                    throw unsupported("SET (columns) = (SELECT ...)");
                } else {
                    throw error();
                }
                if (values.size() != cols.size()) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, values.size() < cols.size()
                            ? "number of columns does not match number of values" : "too many values", pos);
                }
                for (int i = 0; i < cols.size(); i++) {
                    out.add(new SetClause(cols.get(i), List.of(), values.get(i), pos));
                }
                continue;
            }
            String column = colId();
            List<IndirectionStep> steps = assignmentIndirection();
            expectOp("=");
            out.add(new SetClause(column, steps, expr(), pos));
        } while (acceptOp(","));
        return out;
    }

    /**
     * An assignment target's subscripts and fields (SET arr[i] = ..., INSERT INTO t (arr[l:u]));
     * a slice's omitted bound ({@code [:u]}, {@code [l:]}) is null.
     */
    private List<IndirectionStep> assignmentIndirection() {
        List<IndirectionStep> steps = new ArrayList<>();
        while (peek().isOp("[") || peek().isOp(".")) {
            if (acceptOp(".")) {
                steps.add(new FieldSelect(colLabel()));
            } else {
                advance();
                Expr lower = peek().isOp(":") ? null : expr();
                Expr upper = null;
                boolean slice = false;
                if (acceptOp(":")) {
                    slice = true;
                    upper = peek().isOp("]") ? null : expr();
                }
                expectOp("]");
                steps.add(new Subscript(lower, upper, slice));
            }
        }
        return steps;
    }

    UpdateStmt update(WithClause with) {
        int pos = peek().position();
        expectWord("update");
        boolean only = acceptWord("only");
        RangeVar rel = rangeVarOf(qualifiedName(), pos);
        Alias alias = alias(false);
        rel = new RangeVar(rel.schema(), rel.name(), alias, only, rel.position());
        expectWord("set");
        List<SetClause> set = setClauses();
        List<FromItem> from = acceptWord("from") ? fromList() : List.of();
        Expr where = null;
        String currentOf = null;
        if (acceptWord("where")) {
            if (acceptWords("current", "of")) {
                currentOf = colId();
            } else {
                where = expr();
            }
        }
        List<ResTarget> returning = acceptWord("returning") ? targetList() : null;
        return new UpdateStmt(rel, set, from, where, returning, with, pos, currentOf);
    }

    DeleteStmt delete(WithClause with) {
        int pos = peek().position();
        expectWord("delete");
        expectWord("from");
        boolean only = acceptWord("only");
        RangeVar rel = rangeVarOf(qualifiedName(), pos);
        Alias alias = alias(false);
        rel = new RangeVar(rel.schema(), rel.name(), alias, only, rel.position());
        List<FromItem> using = acceptWord("using") ? fromList() : List.of();
        Expr where = null;
        String currentOf = null;
        if (acceptWord("where")) {
            if (acceptWords("current", "of")) {
                currentOf = colId();
            } else {
                where = expr();
            }
        }
        List<ResTarget> returning = acceptWord("returning") ? targetList() : null;
        return new DeleteStmt(rel, using, where, returning, with, pos, currentOf);
    }
}
