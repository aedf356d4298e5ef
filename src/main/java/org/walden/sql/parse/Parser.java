package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.walden.common.SqlState;
import org.walden.sql.parse.Ast.*;

/**
 * A recursive-descent parser for Walden's SQL subset (one statement at a time). Operator
 * precedence follows PostgreSQL's gram.y, loosest first: OR, AND, NOT, IS, comparison,
 * BETWEEN/IN/LIKE, other operators (||), + -, * / %, unary minus, ::.
 */
public final class Parser {

    /** Words that end an expression or a target (so they are never taken as an alias). */
    private static final Set<String> RESERVED = Set.of("from", "where", "group", "having", "order", "limit",
            "offset", "and", "or", "not", "as", "on", "returning", "values", "select", "union", "is", "in",
            "between", "like", "ilike", "then", "else", "end", "when", "asc", "desc", "nulls", "for", "fetch",
            "into", "set", "using", "default", "null", "true", "false", "case", "cast", "distinct", "all",
            "with", "window", "except", "intersect", "collate");

    private final List<Token> tokens;
    private int index;

    private Parser(String sql) {
        this.tokens = Lexer.tokenize(sql);
    }

    /** Parses one statement (an optional trailing semicolon is allowed). */
    public static Stmt parse(String sql) {
        Parser p = new Parser(sql);
        Stmt stmt = p.statement();
        while (p.peek().isOp(";")) {
            p.index++;
        }
        if (p.peek().kind() != Token.Kind.EOF) {
            throw SyntaxError.atOrNear(p.peek());
        }
        return stmt;
    }

    /** Parses a standalone expression (used for stored column defaults). */
    public static Expr parseExpression(String text) {
        Parser p = new Parser(text);
        Expr e = p.expr();
        p.expectEof();
        return e;
    }

    // ---------------------------------------------------------------- token helpers

    private Token peek() {
        return tokens.get(index);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private Token advance() {
        Token t = tokens.get(index);
        if (t.kind() != Token.Kind.EOF) {
            index++;
        }
        return t;
    }

    private boolean acceptWord(String word) {
        if (peek().isWord(word)) {
            index++;
            return true;
        }
        return false;
    }

    private boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            index++;
            return true;
        }
        return false;
    }

    private void expectWord(String word) {
        if (!acceptWord(word)) {
            throw SyntaxError.atOrNear(peek());
        }
    }

    private void expectOp(String op) {
        if (!acceptOp(op)) {
            throw SyntaxError.atOrNear(peek());
        }
    }

    private void expectEof() {
        if (peek().kind() != Token.Kind.EOF) {
            throw SyntaxError.atOrNear(peek());
        }
    }

    private String identifier() {
        Token t = peek();
        if (t.kind() != Token.Kind.IDENT || (!t.quoted() && RESERVED.contains(t.text()))) {
            throw SyntaxError.atOrNear(t);
        }
        index++;
        return t.text();
    }

    /** A possibly schema-qualified name; returns [schema or null, name]. */
    private String[] qualifiedName() {
        String first = identifier();
        if (acceptOp(".")) {
            return new String[] {first, identifier()};
        }
        return new String[] {null, first};
    }

    private List<String> nameList() {
        List<String> names = new ArrayList<>();
        do {
            names.add(qualifiedName()[1]);
        } while (acceptOp(","));
        return names;
    }

    private void skipToEnd() {
        while (peek().kind() != Token.Kind.EOF && !peek().isOp(";")) {
            index++;
        }
    }

    // ---------------------------------------------------------------- statements

    private Stmt statement() {
        Token t = peek();
        if (t.kind() != Token.Kind.IDENT || t.quoted()) {
            throw SyntaxError.atOrNear(t);
        }
        switch (t.text()) {
            case "select":
                return select();
            case "insert":
                return insert();
            case "update":
                return update();
            case "delete":
                return delete();
            case "create":
                return create();
            case "drop":
                return drop();
            case "alter":
                return alter();
            case "truncate":
                return truncate();
            case "begin":
            case "start":
                return begin();
            case "commit":
            case "end":
                advance();
                acceptWord("work");
                acceptWord("transaction");
                return new TransactionStmt(TxKind.COMMIT);
            case "rollback":
            case "abort":
                advance();
                acceptWord("work");
                acceptWord("transaction");
                return new TransactionStmt(TxKind.ROLLBACK);
            case "show":
                return show();
            case "set":
                return set();
            case "reset":
                advance();
                return new Reset(acceptWord("all") ? "all" : settingName());
            case "checkpoint":
                advance();
                return new Checkpoint();
            case "copy":
                return copy();
            case "vacuum":
            case "analyze":
            case "analyse":
                advance();
                skipToEnd();
                return new NoOp(t.text().equals("vacuum") ? "VACUUM" : "ANALYZE");
            case "discard":
                advance();
                skipToEnd();
                return new NoOp("DISCARD ALL");
            default:
                throw SyntaxError.atOrNear(t);
        }
    }

    private Stmt begin() {
        if (advance().text().equals("start")) {
            expectWord("transaction");
        } else if (!acceptWord("work")) {
            acceptWord("transaction");
        }
        do {
            if (acceptWord("isolation")) {
                expectWord("level");
                if (acceptWord("read")) {
                    if (!acceptWord("committed") && !acceptWord("uncommitted")) {
                        throw SyntaxError.atOrNear(peek());
                    }
                } else if (!acceptWord("serializable")) {
                    expectWord("repeatable");
                    expectWord("read");
                }
            } else if (acceptWord("read")) {
                if (!acceptWord("write")) {
                    expectWord("only");
                }
            } else if (acceptWord("not")) {
                expectWord("deferrable");
            } else if (!acceptWord("deferrable")) {
                break;
            }
        } while (acceptOp(",") || peek().kind() == Token.Kind.IDENT);
        return new TransactionStmt(TxKind.BEGIN);
    }

    private String settingName() {
        StringBuilder sb = new StringBuilder(identifier());
        while (acceptOp(".")) {
            sb.append('.').append(identifier());
        }
        return sb.toString();
    }

    private Stmt show() {
        advance();
        if (acceptWord("all")) {
            return new Show("all");
        }
        if (acceptWord("time")) {
            expectWord("zone");
            return new Show("timezone");
        }
        if (acceptWord("transaction")) {
            expectWord("isolation");
            expectWord("level");
            return new Show("transaction_isolation");
        }
        return new Show(settingName());
    }

    private Stmt set() {
        advance();
        boolean local = false;
        if (acceptWord("local")) {
            local = true;
        } else {
            acceptWord("session");
        }
        if (acceptWord("time")) {
            expectWord("zone");
            if (acceptWord("local") || acceptWord("default")) {
                return new SetStmt("timezone", null, local);
            }
            return new SetStmt("timezone", settingValue(), local);
        }
        if (peek().isWord("transaction") || peek().isWord("characteristics")) {
            skipToEnd();
            return new NoOp("SET");
        }
        String name = settingName();
        if (!acceptWord("to") && !acceptOp("=")) {
            throw SyntaxError.atOrNear(peek());
        }
        if (acceptWord("default")) {
            return new SetStmt(name, null, local);
        }
        StringBuilder value = new StringBuilder(settingValue());
        while (acceptOp(",")) {
            value.append(", ").append(settingValue());
        }
        return new SetStmt(name, value.toString(), local);
    }

    private String settingValue() {
        Token t = advance();
        switch (t.kind()) {
            case STRING:
            case IDENT:
            case INTEGER:
            case DECIMAL:
                return t.text();
            case OP:
                if (t.text().equals("-") && (peek().kind() == Token.Kind.INTEGER
                        || peek().kind() == Token.Kind.DECIMAL)) {
                    return "-" + advance().text();
                }
                throw SyntaxError.atOrNear(t);
            default:
                throw SyntaxError.atOrNear(t);
        }
    }

    private Stmt copy() {
        int pos = advance().position();
        String table = qualifiedName()[1];
        List<String> columns = null;
        if (peek().isOp("(")) {
            columns = parenNames();
        }
        if (!acceptWord("from")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "only COPY ... FROM STDIN is supported",
                    peek().position());
        }
        if (!acceptWord("stdin")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "COPY FROM a file is not supported; use STDIN",
                    peek().position());
        }
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        boolean with = acceptWord("with");
        if (acceptOp("(")) {
            do {
                String name = identifierOrKeyword();
                String value = "true";
                if (!peek().isOp(",") && !peek().isOp(")")) {
                    value = advance().text();
                }
                options.put(name, value);
            } while (acceptOp(","));
            expectOp(")");
        } else {
            while (peek().kind() == Token.Kind.IDENT) { // PostgreSQL 9.0 style: [WITH] DELIMITER 'x' NULL 'y' CSV
                String name = advance().text();
                if (name.equals("delimiter") || name.equals("null")) {
                    acceptWord("as");
                    options.put(name, advance().text());
                } else if (name.equals("csv") || name.equals("binary")) {
                    options.put("format", name);
                } else {
                    options.put(name, "true");
                }
            }
        }
        if (!with && options.isEmpty() && peek().kind() != Token.Kind.EOF && !peek().isOp(";")) {
            throw SyntaxError.atOrNear(peek());
        }
        return new Copy(table, columns, options, pos);
    }

    private Stmt truncate() {
        advance();
        acceptWord("table");
        acceptWord("only");
        List<String> names = nameList();
        while (peek().isWord("restart") || peek().isWord("continue") || peek().isWord("identity")
                || peek().isWord("cascade") || peek().isWord("restrict")) {
            advance();
        }
        return new Truncate(names);
    }

    // ---------------------------------------------------------------- SELECT

    private Select select() {
        expectWord("select");
        boolean distinct = false;
        if (acceptWord("distinct")) {
            distinct = true;
        } else {
            acceptWord("all");
        }
        List<Target> targets = new ArrayList<>();
        if (!peek().isWord("from") && peek().kind() != Token.Kind.EOF && !peek().isOp(";")) {
            targets = targetList();
        }
        TableRef from = null;
        if (acceptWord("from")) {
            from = tableRef(true);
            if (peek().isOp(",") || peek().isWord("join") || peek().isWord("cross") || peek().isWord("left")
                    || peek().isWord("inner")) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "joins are not supported yet",
                        peek().position());
            }
        }
        Expr where = acceptWord("where") ? expr() : null;
        List<Expr> groupBy = new ArrayList<>();
        if (acceptWord("group")) {
            expectWord("by");
            do {
                groupBy.add(expr());
            } while (acceptOp(","));
        }
        Expr having = acceptWord("having") ? expr() : null;
        List<OrderItem> orderBy = orderBy();
        Expr limit = null;
        Expr offset = null;
        for (int i = 0; i < 2; i++) {
            if (acceptWord("limit")) {
                limit = acceptWord("all") ? null : expr();
            } else if (acceptWord("offset")) {
                offset = expr();
                if (!acceptWord("rows")) {
                    acceptWord("row");
                }
            }
        }
        boolean forUpdate = false;
        if (acceptWord("for")) {
            if (acceptWord("no")) {
                expectWord("key");
                expectWord("update");
            } else if (acceptWord("key")) {
                expectWord("share");
            } else if (!acceptWord("update")) {
                expectWord("share");
            }
            forUpdate = true;
            if (peek().isWord("nowait") || peek().isWord("skip")) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "NOWAIT and SKIP LOCKED are not supported",
                        peek().position());
            }
        }
        return new Select(distinct, targets, from, where, groupBy, having, orderBy, limit, offset, forUpdate);
    }

    private List<OrderItem> orderBy() {
        List<OrderItem> items = new ArrayList<>();
        if (acceptWord("order")) {
            expectWord("by");
            do {
                Expr e = expr();
                boolean desc = false;
                if (acceptWord("desc")) {
                    desc = true;
                } else {
                    acceptWord("asc");
                }
                Boolean nullsFirst = null;
                if (acceptWord("nulls")) {
                    if (acceptWord("first")) {
                        nullsFirst = true;
                    } else {
                        expectWord("last");
                        nullsFirst = false;
                    }
                }
                items.add(new OrderItem(e, desc, nullsFirst));
            } while (acceptOp(","));
        }
        return items;
    }

    /** A relation name with its alias; in a SELECT's FROM ({@code functionAllowed}) also a function call. */
    private TableRef tableRef(boolean functionAllowed) {
        int pos = peek().position();
        String[] name = qualifiedName();
        List<Expr> functionArgs = null;
        if (functionAllowed && peek().isOp("(")) {
            functionArgs = ((FuncCall) functionCall(name[0], name[1], pos)).args();
        }
        String alias = null;
        if (acceptWord("as")) {
            alias = identifier();
        } else if (peek().kind() == Token.Kind.IDENT && (peek().quoted() || !RESERVED.contains(peek().text()))
                && !peek().isWord("join") && !peek().isWord("cross") && !peek().isWord("left")
                && !peek().isWord("inner")) {
            alias = identifier();
        }
        return new TableRef(name[0], name[1], alias, pos, functionArgs);
    }

    private List<Target> targetList() {
        List<Target> targets = new ArrayList<>();
        do {
            targets.add(target());
        } while (acceptOp(","));
        return targets;
    }

    private Target target() {
        if (peek().isOp("*")) {
            return new Target(new Star(null, advance().position()), null);
        }
        Expr e = expr();
        String alias = null;
        if (acceptWord("as")) {
            alias = aliasName();
        } else if (peek().kind() == Token.Kind.IDENT && (peek().quoted() || !RESERVED.contains(peek().text()))) {
            alias = identifier();
        }
        return new Target(e, alias);
    }

    /** After AS, any word (even a reserved one) is a column alias. */
    private String aliasName() {
        Token t = advance();
        if (t.kind() != Token.Kind.IDENT) {
            throw SyntaxError.atOrNear(t);
        }
        return t.text();
    }

    // ---------------------------------------------------------------- DML

    private Insert insert() {
        expectWord("insert");
        expectWord("into");
        TableRef table = tableRef(false);
        List<String> columns = null;
        if (acceptOp("(")) {
            columns = new ArrayList<>();
            do {
                columns.add(identifier());
            } while (acceptOp(","));
            expectOp(")");
        }
        List<List<Expr>> rows = new ArrayList<>();
        if (acceptWord("default")) {
            expectWord("values");
            rows.add(List.of());
        } else {
            expectWord("values");
            do {
                expectOp("(");
                List<Expr> row = new ArrayList<>();
                do {
                    row.add(peek().isWord("default") ? new DefaultValue(advance().position()) : expr());
                } while (acceptOp(","));
                expectOp(")");
                rows.add(row);
            } while (acceptOp(","));
        }
        return new Insert(table, columns, rows, returning());
    }

    private List<Target> returning() {
        return acceptWord("returning") ? targetList() : null;
    }

    private Update update() {
        expectWord("update");
        acceptWord("only");
        TableRef table = tableRef(false);
        expectWord("set");
        List<Assignment> assignments = new ArrayList<>();
        do {
            int pos = peek().position();
            String column = identifier();
            expectOp("=");
            Expr value = peek().isWord("default") ? new DefaultValue(advance().position()) : expr();
            assignments.add(new Assignment(column, value, pos));
        } while (acceptOp(","));
        Expr where = acceptWord("where") ? expr() : null;
        return new Update(table, assignments, where, returning());
    }

    private Delete delete() {
        expectWord("delete");
        expectWord("from");
        acceptWord("only");
        TableRef table = tableRef(false);
        Expr where = acceptWord("where") ? expr() : null;
        return new Delete(table, where, returning());
    }

    // ---------------------------------------------------------------- DDL

    private Stmt create() {
        expectWord("create");
        if (acceptWord("role")) {
            return roleStmt(true, false);
        }
        if (acceptWord("user")) {
            return roleStmt(true, true);
        }
        if (acceptWord("unlogged") || acceptWord("temporary") || acceptWord("temp")) {
            // accepted; Walden's tables are all logged
        }
        if (acceptWord("database")) {
            String name = identifier();
            skipToEnd(); // WITH OWNER/TEMPLATE/ENCODING...: accepted
            return new CreateDatabase(name);
        }
        if (!peek().isWord("table")) {
            throw SyntaxError.atOrNear(peek());
        }
        return createTable();
    }

    private CreateTable createTable() {
        int pos = advance().position();
        boolean ifNotExists = false;
        if (acceptWord("if")) {
            expectWord("not");
            expectWord("exists");
            ifNotExists = true;
        }
        String name = qualifiedName()[1];
        expectOp("(");
        List<ColumnDef> columns = new ArrayList<>();
        List<String> primaryKey = null;
        if (!peek().isOp(")")) {
            do {
                if (acceptWord("constraint")) {
                    identifier();
                }
                if (acceptWord("primary")) {
                    expectWord("key");
                    if (primaryKey != null) {
                        throw new SyntaxError(SqlState.INVALID_TABLE_DEFINITION, "multiple primary keys for table \""
                                + name + "\" are not allowed", peek().position());
                    }
                    primaryKey = parenNames();
                } else {
                    columns.add(columnDef());
                }
            } while (acceptOp(","));
        }
        expectOp(")");
        if (acceptWord("with")) {
            expectOp("(");
            int depth = 1;
            while (depth > 0 && peek().kind() != Token.Kind.EOF) {
                Token t = advance();
                depth += t.isOp("(") ? 1 : t.isOp(")") ? -1 : 0;
            }
        }
        return new CreateTable(name, ifNotExists, columns, primaryKey, pos);
    }

    private List<String> parenNames() {
        expectOp("(");
        List<String> names = new ArrayList<>();
        do {
            names.add(identifier());
        } while (acceptOp(","));
        expectOp(")");
        return names;
    }

    private ColumnDef columnDef() {
        int pos = peek().position();
        String name = identifier();
        TypeName type = typeName();
        boolean notNull = false;
        boolean primaryKey = false;
        Expr defaultExpr = null;
        while (true) {
            if (acceptWord("constraint")) {
                identifier();
            }
            if (acceptWord("not")) {
                expectWord("null");
                notNull = true;
            } else if (acceptWord("null")) {
                notNull = false;
            } else if (acceptWord("primary")) {
                expectWord("key");
                primaryKey = true;
            } else if (acceptWord("default")) {
                defaultExpr = comparison();
            } else if (acceptWord("unique")) {
                // accepted, not enforced (no secondary indexes yet)
            } else {
                break;
            }
        }
        return new ColumnDef(name, type, notNull, primaryKey, defaultExpr, pos);
    }

    /** A type name, normalised to PostgreSQL's internal name (int4, varchar, bpchar, timestamptz...). */
    TypeName typeName() {
        Token t = peek();
        if (t.kind() != Token.Kind.IDENT) {
            throw SyntaxError.atOrNear(t);
        }
        index++;
        String word = t.text();
        if (word.equals("pg_catalog") && acceptOp(".")) {
            return typeName();
        }
        String name;
        switch (word) {
            case "int", "integer", "int4" -> name = "int4";
            case "bigint", "int8" -> name = "int8";
            case "smallint", "int2" -> name = "int2";
            case "boolean", "bool" -> name = "bool";
            case "real", "float4" -> name = "float4";
            case "float8" -> name = "float8";
            case "float" -> name = "float8";
            case "double" -> {
                expectWord("precision");
                name = "float8";
            }
            case "decimal", "numeric" -> name = "numeric";
            case "varchar" -> name = "varchar";
            case "character", "char" -> name = acceptWord("varying") ? "varchar" : "bpchar";
            case "timestamp" -> {
                List<Integer> mods = typeMods();
                name = timeZoneSuffix() ? "timestamptz" : "timestamp";
                return new TypeName(name, mods, t.position());
            }
            case "timestamptz" -> name = "timestamptz";
            default -> name = word;
        }
        List<Integer> mods = typeMods();
        if (name.equals("bpchar") && mods.isEmpty() && (word.equals("char") || word.equals("character"))) {
            mods = List.of(1);
        }
        return new TypeName(name, mods, t.position());
    }

    private boolean timeZoneSuffix() {
        if (acceptWord("with")) {
            expectWord("time");
            expectWord("zone");
            return true;
        }
        if (acceptWord("without")) {
            expectWord("time");
            expectWord("zone");
        }
        return false;
    }

    private List<Integer> typeMods() {
        List<Integer> mods = new ArrayList<>();
        if (acceptOp("(")) {
            do {
                Token n = advance();
                if (n.kind() != Token.Kind.INTEGER) {
                    throw SyntaxError.atOrNear(n);
                }
                mods.add(Integer.parseInt(n.text()));
            } while (acceptOp(","));
            expectOp(")");
        }
        return mods;
    }

    private Stmt drop() {
        expectWord("drop");
        if (acceptWord("database")) {
            boolean ifExists = false;
            if (acceptWord("if")) {
                expectWord("exists");
                ifExists = true;
            }
            String name = identifier();
            skipToEnd();
            return new DropDatabase(name, ifExists);
        }
        boolean role = acceptWord("role") || acceptWord("user");
        if (!role) {
            expectWord("table");
        }
        boolean ifExists = false;
        if (acceptWord("if")) {
            expectWord("exists");
            ifExists = true;
        }
        List<String> names = nameList();
        if (!acceptWord("cascade")) {
            acceptWord("restrict");
        }
        return role ? new DropRole(names, ifExists) : new DropTable(names, ifExists);
    }

    private Stmt alter() {
        expectWord("alter");
        if (acceptWord("role")) {
            return roleStmt(false, false);
        }
        if (acceptWord("user")) {
            return roleStmt(false, true);
        }
        if (acceptWord("system")) {
            if (acceptWord("reset")) {
                if (peek().isWord("all")) {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "ALTER SYSTEM RESET ALL is not supported",
                            peek().position());
                }
                return new AlterSystem(settingName(), null);
            }
            expectWord("set");
            String name = settingName();
            if (!acceptWord("to") && !acceptOp("=")) {
                throw SyntaxError.atOrNear(peek());
            }
            if (acceptWord("default")) {
                return new AlterSystem(name, null);
            }
            StringBuilder value = new StringBuilder(settingValue());
            while (acceptOp(",")) {
                value.append(", ").append(settingValue());
            }
            return new AlterSystem(name, value.toString());
        }
        expectWord("table");
        acceptWord("only");
        String table = qualifiedName()[1];
        expectWord("add");
        if (acceptWord("constraint")) {
            identifier();
        }
        expectWord("primary");
        expectWord("key");
        return new AlterTableAddPk(table, parenNames());
    }

    private RoleStmt roleStmt(boolean create, boolean isUser) {
        String name = identifier();
        acceptWord("with");
        List<RoleOption> options = new ArrayList<>();
        while (peek().kind() == Token.Kind.IDENT && !peek().quoted()) {
            String word = advance().text();
            switch (word) {
                case "login", "replication", "superuser", "createdb", "createrole", "inherit", "bypassrls" ->
                        options.add(new RoleOption(word, true));
                case "nologin", "noreplication", "nosuperuser", "nocreatedb", "nocreaterole", "noinherit",
                        "nobypassrls" -> options.add(new RoleOption(word.substring(2), false));
                case "connection" -> {
                    expectWord("limit");
                    boolean negative = acceptOp("-");
                    Token n = advance();
                    if (n.kind() != Token.Kind.INTEGER) {
                        throw SyntaxError.atOrNear(n);
                    }
                    int limit = Integer.parseInt(n.text());
                    options.add(new RoleOption("connlimit", negative ? -limit : limit));
                }
                case "encrypted", "password" -> {
                    if (word.equals("encrypted")) {
                        expectWord("password");
                    }
                    if (acceptWord("null")) {
                        options.add(new RoleOption("password", null));
                    } else {
                        Token p = advance();
                        if (p.kind() != Token.Kind.STRING) {
                            throw SyntaxError.atOrNear(p);
                        }
                        options.add(new RoleOption("password", p.text()));
                    }
                }
                case "valid" -> {
                    expectWord("until");
                    Token p = advance();
                    if (p.kind() != Token.Kind.STRING) {
                        throw SyntaxError.atOrNear(p);
                    }
                    options.add(new RoleOption("validuntil", p.text()));
                }
                case "in", "role", "admin", "user", "sysid" -> {
                    throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "role membership is not supported",
                            peek().position());
                }
                default -> throw SyntaxError.atOrNear(tokens.get(index - 1));
            }
        }
        return new RoleStmt(create, isUser, name, options);
    }

    // ---------------------------------------------------------------- expressions

    private Expr expr() {
        Expr left = andExpr();
        while (peek().isWord("or")) {
            int pos = advance().position();
            left = new Binary("or", left, andExpr(), pos);
        }
        return left;
    }

    private Expr andExpr() {
        Expr left = notExpr();
        while (peek().isWord("and")) {
            int pos = advance().position();
            left = new Binary("and", left, notExpr(), pos);
        }
        return left;
    }

    private Expr notExpr() {
        if (peek().isWord("not")) {
            int pos = advance().position();
            return new Unary("not", notExpr(), pos);
        }
        return isExpr();
    }

    private Expr isExpr() {
        Expr left = comparison();
        while (true) {
            if (peek().isWord("is")) {
                int pos = advance().position();
                boolean negated = acceptWord("not");
                if (acceptWord("null")) {
                    left = new IsNull(left, negated, pos);
                } else if (peek().isWord("true") || peek().isWord("false")) {
                    boolean value = advance().text().equals("true");
                    // IS [NOT] TRUE/FALSE: NULL-safe comparison with a boolean
                    Expr cmp = new Binary("is distinct from", left,
                            new Literal(LiteralKind.BOOLEAN, String.valueOf(value), pos), pos);
                    left = negated ? cmp : new Unary("not", cmp, pos);
                } else if (acceptWord("distinct")) {
                    expectWord("from");
                    Expr cmp = new Binary("is distinct from", left, comparison(), pos);
                    left = negated ? new Unary("not", cmp, pos) : cmp;
                } else {
                    throw SyntaxError.atOrNear(peek());
                }
            } else if (peek().isWord("isnull") || peek().isWord("notnull")) {
                Token t = advance();
                left = new IsNull(left, t.text().equals("notnull"), t.position());
            } else {
                return left;
            }
        }
    }

    private static final Set<String> COMPARISONS = Set.of("=", "<>", "<", "<=", ">", ">=");

    private Expr comparison() {
        Expr left = predicate();
        while (peek().kind() == Token.Kind.OP && COMPARISONS.contains(peek().text())) {
            Token op = advance();
            left = new Binary(op.text(), left, predicate(), op.position());
        }
        return left;
    }

    private Expr predicate() {
        Expr left = otherOp();
        while (true) {
            int save = index;
            boolean negated = acceptWord("not");
            Token t = peek();
            if (acceptWord("between")) {
                acceptWord("symmetric");
                Expr low = otherOp();
                expectWord("and");
                left = new Between(left, low, otherOp(), negated, t.position());
            } else if (acceptWord("in")) {
                expectOp("(");
                List<Expr> values = new ArrayList<>();
                do {
                    values.add(expr());
                } while (acceptOp(","));
                expectOp(")");
                left = new InList(left, values, negated, t.position());
            } else if (acceptWord("like") || acceptWord("ilike")) {
                String op = (negated ? "not " : "") + t.text();
                left = new Binary(op, left, otherOp(), t.position());
            } else {
                index = save;
                return left;
            }
        }
    }

    private Expr otherOp() {
        Expr left = additive();
        while (peek().kind() == Token.Kind.OP && (peek().text().equals("||") || peek().text().equals("~~")
                || peek().text().equals("!~~"))) {
            Token op = advance();
            String name = switch (op.text()) {
                case "~~" -> "like";
                case "!~~" -> "not like";
                default -> op.text();
            };
            left = new Binary(name, left, additive(), op.position());
        }
        return left;
    }

    private Expr additive() {
        Expr left = multiplicative();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = advance();
            left = new Binary(op.text(), left, multiplicative(), op.position());
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = unaryLevel();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("%")) {
            Token op = advance();
            left = new Binary(op.text(), left, unaryLevel(), op.position());
        }
        return left;
    }

    private Expr unaryLevel() {
        if (peek().isOp("-") || peek().isOp("+")) {
            Token op = advance();
            Expr operand = unaryLevel();
            if (op.text().equals("-") && operand instanceof Literal lit
                    && (lit.kind() == LiteralKind.INTEGER || lit.kind() == LiteralKind.DECIMAL)) {
                return new Literal(lit.kind(), "-" + lit.text(), op.position());
            }
            return new Unary(op.text(), operand, op.position());
        }
        return castLevel();
    }

    private Expr castLevel() {
        Expr e = primary();
        while (peek().isOp("::")) {
            int pos = advance().position();
            e = new Cast(e, typeName(), pos);
        }
        return e;
    }

    private Expr primary() {
        Token t = peek();
        switch (t.kind()) {
            case INTEGER:
                advance();
                return new Literal(LiteralKind.INTEGER, t.text(), t.position());
            case DECIMAL:
                advance();
                return new Literal(LiteralKind.DECIMAL, t.text(), t.position());
            case STRING:
                advance();
                return new Literal(LiteralKind.STRING, t.text(), t.position());
            case PARAM:
                advance();
                return new Param(Integer.parseInt(t.text()), t.position());
            case OP:
                if (acceptOp("(")) {
                    Expr e = expr();
                    expectOp(")");
                    return e;
                }
                throw SyntaxError.atOrNear(t);
            case IDENT:
                return identPrimary(t);
            default:
                throw SyntaxError.atOrNear(t);
        }
    }

    private Expr identPrimary(Token t) {
        if (!t.quoted()) {
            Expr special = keywordPrimary(t);
            if (special != null) {
                return special;
            }
        }
        if (!t.quoted() && RESERVED.contains(t.text())) {
            throw SyntaxError.atOrNear(t);
        }
        advance();
        if (peek().isOp("(")) {
            return functionCall(null, t.text(), t.position());
        }
        if (peek().kind() == Token.Kind.STRING && !t.quoted()) {
            // typed literal: timestamp '...', int '1'
            index--;
            TypeName type = typeName();
            Token lit = advance();
            return new Cast(new Literal(LiteralKind.STRING, lit.text(), lit.position()), type, t.position());
        }
        if (acceptOp(".")) {
            if (peek().isOp("*")) {
                return new Star(t.text(), advance().position());
            }
            String second = identifierOrKeyword();
            if (peek().isOp("(")) {
                return functionCall(t.text(), second, t.position());
            }
            if (acceptOp(".")) { // schema.table.column
                return new ColumnRef(second, identifierOrKeyword(), t.position());
            }
            return new ColumnRef(t.text(), second, t.position());
        }
        return new ColumnRef(null, t.text(), t.position());
    }

    private String identifierOrKeyword() {
        Token t = advance();
        if (t.kind() != Token.Kind.IDENT) {
            throw SyntaxError.atOrNear(t);
        }
        return t.text();
    }

    private Expr keywordPrimary(Token t) {
        switch (t.text()) {
            case "null":
                advance();
                return new Literal(LiteralKind.NULL, "null", t.position());
            case "true":
            case "false":
                advance();
                return new Literal(LiteralKind.BOOLEAN, t.text(), t.position());
            case "cast": {
                advance();
                expectOp("(");
                Expr e = expr();
                expectWord("as");
                TypeName type = typeName();
                expectOp(")");
                return new Cast(e, type, t.position());
            }
            case "case":
                return caseExpr();
            case "current_timestamp":
            case "localtimestamp":
            case "current_user":
            case "session_user":
            case "user":
            case "current_role":
            case "current_catalog":
            case "current_schema":
                advance();
                if (t.text().endsWith("timestamp") && acceptOp("(")) {
                    advance();
                    expectOp(")");
                }
                String name = switch (t.text()) {
                    case "user", "current_role" -> "current_user";
                    case "current_catalog" -> "current_database";
                    default -> t.text();
                };
                return new FuncCall(null, name, List.of(), false, false, t.position());
            default:
                return null;
        }
    }

    private Expr caseExpr() {
        int pos = advance().position();
        Expr operand = peek().isWord("when") ? null : expr();
        List<Expr> whens = new ArrayList<>();
        List<Expr> thens = new ArrayList<>();
        while (acceptWord("when")) {
            whens.add(expr());
            expectWord("then");
            thens.add(expr());
        }
        if (whens.isEmpty()) {
            throw SyntaxError.atOrNear(peek());
        }
        Expr elseExpr = acceptWord("else") ? expr() : null;
        expectWord("end");
        return new CaseExpr(operand, whens, thens, elseExpr, pos);
    }

    private Expr functionCall(String schema, String name, int pos) {
        expectOp("(");
        if (acceptOp("*")) {
            expectOp(")");
            return new FuncCall(schema, name, List.of(), true, false, pos);
        }
        boolean distinct = acceptWord("distinct");
        List<Expr> args = new ArrayList<>();
        if (!peek().isOp(")")) {
            do {
                args.add(expr());
            } while (acceptOp(","));
        }
        expectOp(")");
        return new FuncCall(schema, name, args, false, distinct, pos);
    }
}
