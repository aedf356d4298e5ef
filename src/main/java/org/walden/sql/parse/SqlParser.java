package org.walden.sql.parse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.SqlState;
import org.walden.sql.parse.Tree.*;

/**
 * A recursive-descent parser for PostgreSQL's SQL, one statement at a time: queries and data
 * changes ({@link QueryParser}), expressions ({@link ExprParser}), and here the definitions
 * (tables, indexes, views, schemas, sequences, roles, databases), transaction control, settings,
 * EXPLAIN, VACUUM / ANALYZE, COPY and the other utility statements.
 */
public final class SqlParser extends QueryParser {

    private SqlParser(String sql) {
        super(sql);
    }

    private SqlParser(String sql, List<Token> tokens) {
        super(sql, tokens);
    }

    /** Parses one statement (an optional trailing semicolon is allowed). */
    public static Stmt parse(String sql) {
        return parse(new SqlParser(sql));
    }

    /** Parses one statement of {@code sql} already split by {@link Lexer#statements}. */
    public static Stmt parse(String sql, Lexer.Statement statement) {
        return parse(new SqlParser(sql, statement.tokens()));
    }

    private static Stmt parse(SqlParser p) {
        Stmt stmt = p.statement();
        while (p.peek().isOp(";")) {
            p.index++;
        }
        if (p.peek().kind() != Token.Kind.EOF) {
            throw SyntaxError.atOrNear(p.peek());
        }
        return stmt;
    }

    /** Parses a standalone expression (stored defaults, checks, index expressions). */
    public static Expr parseExpression(String text) {
        SqlParser p = new SqlParser(text);
        Expr e = p.expr();
        if (p.peek().kind() != Token.Kind.EOF) {
            throw SyntaxError.atOrNear(p.peek());
        }
        return e;
    }

    /** Parses a standalone query (a stored view definition). */
    public static SelectStmt parseQuery(String text) {
        SqlParser p = new SqlParser(text);
        SelectStmt s = p.selectStatement();
        if (p.peek().kind() != Token.Kind.EOF && !p.peek().isOp(";")) {
            throw SyntaxError.atOrNear(p.peek());
        }
        return s;
    }

    private Stmt statement() {
        Token t = peek();
        if (t.isOp("(")) {
            return query();
        }
        if (t.kind() != Token.Kind.IDENT || t.quoted()) {
            throw SyntaxError.atOrNear(t);
        }
        return switch (t.text()) {
            case "select", "values", "table" -> query();
            case "with" -> {
                Stmt s = preparableStatement();
                yield s instanceof SelectStmt sel ? selectInto(sel) : s;
            }
            case "insert" -> insert(null);
            case "update" -> update(null);
            case "delete" -> delete(null);
            case "create" -> create();
            case "drop" -> drop();
            case "alter" -> alter();
            case "truncate" -> truncate();
            case "refresh" -> refreshMatView();
            case "comment" -> comment();
            case "begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release" -> transaction();
            case "prepare" -> isWordAt(1, "transaction") ? transaction() : prepare();
            case "show" -> show();
            case "set" -> set();
            case "reset" -> {
                advance();
                String name = acceptWord("all") ? "all" : acceptWords("time", "zone") ? "timezone"
                        : acceptWords("transaction", "isolation", "level") ? "transaction_isolation"
                        : acceptWords("session", "authorization") ? "session_authorization" : settingName();
                yield new VariableSetStmt(name, null, false, true);
            }
            case "explain" -> explain();
            case "vacuum", "analyze", "analyse" -> vacuum();
            case "reindex" -> reindex();
            case "cluster" -> cluster();
            case "copy" -> copy();
            case "checkpoint" -> {
                advance();
                yield new CheckpointStmt();
            }
            case "grant", "revoke" -> grant();
            case "execute" -> execute();
            case "deallocate" -> {
                advance();
                acceptWord("prepare");
                yield new DeallocateStmt(acceptWord("all") ? null : colId());
            }
            case "discard" -> {
                advance();
                String what = advance().text().toUpperCase(Locale.ROOT);
                yield new DiscardStmt(what);
            }
            case "unlisten" -> {
                advance();
                yield new NotifyStmt(NotifyStmt.Kind.UNLISTEN, acceptOp("*") ? null : colId(), null);
            }
            case "listen" -> {
                advance();
                yield new NotifyStmt(NotifyStmt.Kind.LISTEN, colId(), null);
            }
            case "notify" -> {
                advance();
                String channel = colId();
                yield new NotifyStmt(NotifyStmt.Kind.NOTIFY, channel, acceptOp(",") ? stringConst() : null);
            }
            case "do" -> throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "DO is not supported: Walden has no "
                    + "PL/pgSQL interpreter (procedural languages are not built)", t.position());
            case "lock" -> lockTable();
            case "declare" -> declareCursor();
            case "fetch", "move" -> fetch();
            case "close" -> {
                advance();
                yield new ClosePortalStmt(acceptWord("all") ? null : colId());
            }
            case "call" -> throw unsupported("CALL");
            default -> throw SyntaxError.atOrNear(t);
        };
    }

    private Stmt query() {
        return selectInto(selectStatement());
    }

    /** SELECT ... INTO t is CREATE TABLE t AS SELECT ... */
    private Stmt selectInto(SelectStmt s) {
        if (s.into() != null) {
            List<String> into = s.into();
            SelectStmt plain = new SelectStmt(s.op(), s.all(), s.left(), s.right(), s.distinct(), s.targets(), null,
                    s.from(), s.where(), s.groupBy(), s.groupDistinct(), s.having(), s.windows(), s.values(), s.sort(),
                    s.limit(), s.offset(), s.withTies(), s.locking(), s.with(), s.position());
            return new CreateTableAsStmt(rangeVarOf(into, s.position()), null, plain, false, true, intoPersistence,
                    null);
        }
        return s;
    }

    // ---------------------------------------------------------------- transactions and settings

    private Stmt transaction() {
        Token t = advance();
        switch (t.text()) {
            case "begin", "start" -> {
                if (t.text().equals("start")) {
                    expectWord("transaction");
                } else if (!acceptWord("work")) {
                    acceptWord("transaction");
                }
                return new TransactionStmt(TxKind.BEGIN, null, false, transactionModes());
            }
            case "commit", "end" -> {
                if (acceptWord("prepared")) {
                    return new TransactionStmt(TxKind.COMMIT_PREPARED, stringConst(), false, List.of());
                }
                acceptWord("work");
                acceptWord("transaction");
                return new TransactionStmt(TxKind.COMMIT, null, chain(), List.of());
            }
            case "rollback", "abort" -> {
                if (acceptWord("prepared")) {
                    return new TransactionStmt(TxKind.ROLLBACK_PREPARED, stringConst(), false, List.of());
                }
                acceptWord("work");
                acceptWord("transaction");
                if (acceptWord("to")) {
                    acceptWord("savepoint");
                    return new TransactionStmt(TxKind.ROLLBACK_TO, colId(), false, List.of());
                }
                return new TransactionStmt(TxKind.ROLLBACK, null, chain(), List.of());
            }
            case "savepoint" -> {
                return new TransactionStmt(TxKind.SAVEPOINT, colId(), false, List.of());
            }
            case "release" -> {
                acceptWord("savepoint");
                return new TransactionStmt(TxKind.RELEASE, colId(), false, List.of());
            }
            default -> {
                expectWord("transaction");
                return new TransactionStmt(TxKind.PREPARE, stringConst(), false, List.of());
            }
        }
    }

    private boolean chain() {
        if (acceptWord("and")) {
            boolean no = acceptWord("no");
            expectWord("chain");
            return !no;
        }
        return false;
    }

    private List<String> transactionModes() {
        List<String> modes = new ArrayList<>();
        while (true) {
            if (acceptWord("isolation")) {
                expectWord("level");
                if (acceptWord("read")) {
                    if (acceptWord("committed")) {
                        modes.add("read committed");
                    } else {
                        expectWord("uncommitted");
                        modes.add("read uncommitted");
                    }
                } else if (acceptWord("serializable")) {
                    modes.add("serializable");
                } else {
                    expectWord("repeatable");
                    expectWord("read");
                    modes.add("repeatable read");
                }
            } else if (acceptWord("read")) {
                modes.add(acceptWord("write") ? "read write" : acceptWord("only") ? "read only" : fail());
            } else if (acceptWord("not")) {
                expectWord("deferrable");
                modes.add("not deferrable");
            } else if (acceptWord("deferrable")) {
                modes.add("deferrable");
            } else {
                return modes;
            }
            acceptOp(",");
        }
    }

    private String fail() {
        throw error();
    }

    private String settingName() {
        StringBuilder sb = new StringBuilder(colLabel());
        while (acceptOp(".")) {
            sb.append('.').append(colLabel());
        }
        return sb.toString();
    }

    /**
     * SET TIME ZONE INTERVAL '+03:00' [HOUR TO MINUTE]: hours east of Greenwich, passed on as the
     * number of hours the setting takes; other interval spellings are refused.
     */
    private String timeZoneInterval() {
        Token at = advance();
        String text = stringConst().strip();
        if (acceptWord("hour")) {
            expectWord("to");
            expectWord("minute");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([+-]?)(\\d{1,2})(?::(\\d{2}))?").matcher(text);
        if (!m.matches()) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED,
                    "SET TIME ZONE INTERVAL other than [+-]HH:MM is not supported", at.position());
        }
        double hours = Integer.parseInt(m.group(2)) + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)) / 60.0);
        return (m.group(1).equals("-") ? "-" : "") + hours;
    }

    private Stmt show() {
        advance();
        if (acceptWord("all")) {
            return new VariableShowStmt("all");
        }
        if (acceptWords("time", "zone")) {
            return new VariableShowStmt("timezone");
        }
        if (acceptWords("transaction", "isolation", "level")) {
            return new VariableShowStmt("transaction_isolation");
        }
        if (acceptWords("session", "authorization")) {
            return new VariableShowStmt("session_authorization");
        }
        return new VariableShowStmt(settingName());
    }

    private Stmt set() {
        advance();
        boolean local = false;
        if (acceptWord("local")) {
            local = true;
        } else if (!isWordAt(1, "authorization")) {
            acceptWord("session");
        }
        if (acceptWords("time", "zone")) {
            if (acceptWord("local") || acceptWord("default")) {
                return new VariableSetStmt("timezone", null, local, false);
            }
            if (isWord("interval")) {
                return new VariableSetStmt("timezone", timeZoneInterval(), local, false);
            }
            return new VariableSetStmt("timezone", settingValue(), local, false);
        }
        if (isWord("transaction") || isWord("characteristics")) {
            boolean session = acceptWords("characteristics", "as");
            expectWord("transaction");
            List<String> modes = transactionModes();
            return new TransactionStmt(TxKind.BEGIN, session ? "SET SESSION CHARACTERISTICS" : "SET TRANSACTION",
                    false, modes);
        }
        if (acceptWords("session", "authorization")) {
            String who = peek().kind() == Token.Kind.STRING ? stringConst() : acceptWord("default") ? null
                    : colLabel();
            return new VariableSetStmt("session_authorization", who, local, who == null);
        }
        if (acceptWord("role")) {
            String who = peek().kind() == Token.Kind.STRING ? stringConst() : acceptWord("default") ? null
                    : colLabel();
            return new VariableSetStmt("role", who, local, false);
        }
        if (acceptWord("names")) {
            return new VariableSetStmt("client_encoding", acceptWord("default") ? null : settingValue(), local, false);
        }
        if (acceptWord("schema")) {
            return new VariableSetStmt("search_path", stringConst(), local, false);
        }
        String name = settingName();
        if (!acceptWord("to") && !acceptOp("=")) {
            throw error();
        }
        if (acceptWord("default")) {
            return new VariableSetStmt(name, null, local, false);
        }
        StringBuilder value = new StringBuilder(settingValue());
        while (acceptOp(",")) {
            value.append(", ").append(settingValue());
        }
        return new VariableSetStmt(name, value.toString(), local, false);
    }

    private String settingValue() {
        Token t = advance();
        switch (t.kind()) {
            case STRING:
                return t.text();
            case IDENT:
                return t.quoted() ? "\"" + t.text() + "\"" : t.text();
            case INTEGER:
            case DECIMAL:
                if (peek().kind() == Token.Kind.IDENT && !peek().isWord("to")) {
                    return t.text() + advance().text(); // 10s, 5min
                }
                return t.text();
            case OP:
                if ((t.text().equals("-") || t.text().equals("+")) && (peek().kind() == Token.Kind.INTEGER
                        || peek().kind() == Token.Kind.DECIMAL)) {
                    return t.text().replace("+", "") + advance().text();
                }
                throw SyntaxError.atOrNear(t);
            default:
                throw SyntaxError.atOrNear(t);
        }
    }

    private Stmt explain() {
        advance();
        Map<String, String> options = new LinkedHashMap<>();
        if (peek().isOp("(") && !startsQuery(1)) {
            advance();
            do {
                String name = colLabel().toLowerCase(Locale.ROOT);
                String value = "true";
                if (!peek().isOp(",") && !peek().isOp(")")) {
                    Token v = advance();
                    value = v.text().toLowerCase(Locale.ROOT);
                }
                options.put(name, value);
            } while (acceptOp(","));
            expectOp(")");
        } else {
            if (acceptWord("analyze") || acceptWord("analyse")) {
                options.put("analyze", "true");
            }
            if (acceptWord("verbose")) {
                options.put("verbose", "true");
            }
        }
        Stmt s = statement();
        return new ExplainStmt(s, options);
    }

    /** REINDEX [(CONCURRENTLY [b], VERBOSE [b])] {INDEX | TABLE | SCHEMA | DATABASE | SYSTEM} [CONCURRENTLY] name. */
    private Stmt reindex() {
        advance();
        boolean concurrently = false;
        boolean verbose = false;
        if (acceptOp("(")) {
            do {
                Token opt = peek();
                String name = colLabel();
                if (name.equals("tablespace")) {
                    if (!colId().equals("pg_default")) { // where every index is
                        throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED,
                                "REINDEX (TABLESPACE) to another tablespace than pg_default is not supported",
                                opt.position());
                    }
                    continue;
                }
                boolean on = peek().isOp(",") || peek().isOp(")") || booleanOption();
                switch (name) {
                    case "concurrently" -> concurrently = on;
                    case "verbose" -> verbose = on;
                    default -> throw new SyntaxError(SqlState.SYNTAX_ERROR, "unrecognized REINDEX option \""
                            + name + "\"", opt.position());
                }
            } while (acceptOp(","));
            expectOp(")");
        }
        Token kindToken = peek();
        String kind = colLabel().toUpperCase(Locale.ROOT);
        if (!List.of("INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM").contains(kind)) {
            throw SyntaxError.atOrNear(kindToken);
        }
        concurrently |= acceptWord("concurrently");
        if (kind.equals("INDEX") || kind.equals("TABLE")) {
            int pos = peek().position();
            return new ReindexStmt(kind, rangeVarOf(qualifiedName(), pos), null, concurrently, verbose);
        }
        return new ReindexStmt(kind, null, colId(), concurrently, verbose);
    }

    /** An option's boolean value: true, false, on, off, 1, 0. */
    private boolean booleanOption() {
        Token v = advance();
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "true", "on", "1" -> true;
            case "false", "off", "0" -> false;
            default -> throw SyntaxError.atOrNear(v);
        };
    }

    /** CLUSTER [VERBOSE] [table [USING index]]. */
    private Stmt cluster() {
        advance();
        boolean verbose = acceptWord("verbose");
        if (atEnd()) {
            return new ClusterStmt(null, null, verbose);
        }
        int pos = peek().position();
        RangeVar table = rangeVarOf(qualifiedName(), pos);
        return new ClusterStmt(table, acceptWord("using") ? colId() : null, verbose);
    }

    private Stmt vacuum() {
        Token t = advance();
        boolean vacuum = t.text().equals("vacuum");
        boolean analyze = !vacuum;
        boolean verbose = false;
        if (peek().isOp("(")) {
            advance();
            do {
                String opt = colLabel();
                if (!peek().isOp(",") && !peek().isOp(")")) {
                    advance();
                }
                analyze |= opt.equals("analyze") || opt.equals("analyse");
                verbose |= opt.equals("verbose");
            } while (acceptOp(","));
            expectOp(")");
        } else {
            while (true) {
                if (acceptWord("full") || acceptWord("freeze")) {
                    continue;
                }
                if (acceptWord("verbose")) {
                    verbose = true;
                    continue;
                }
                if (acceptWord("analyze") || acceptWord("analyse")) {
                    analyze = true;
                    continue;
                }
                break;
            }
        }
        List<RangeVar> tables = new ArrayList<>();
        if (!atEnd()) {
            do {
                int pos = peek().position();
                RangeVar rv = rangeVarOf(qualifiedName(), pos);
                if (peek().isOp("(")) {
                    parenNameList();
                }
                tables.add(rv);
            } while (acceptOp(","));
        }
        return new VacuumStmt(vacuum, analyze, verbose, tables);
    }

    /** The option errors PostgreSQL's ProcessCopyOptions reports with the option's position. */
    private static void checkCopyOption(String name, String value, int position) {
        if (!List.of("format", "delimiter", "null", "header", "quote", "escape", "force_quote", "force_not_null",
                "force_null", "freeze", "encoding").contains(name)) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "option \"" + name + "\" not recognized", position);
        }
        if (name.equals("format") && !List.of("text", "csv", "binary").contains(value.toLowerCase(Locale.ROOT))) {
            throw new SyntaxError(SqlState.SYNTAX_ERROR, "COPY format \"" + value + "\" not recognized", position);
        }
    }

    private Stmt copy() {
        int pos = advance().position();
        RangeVar rel = null;
        Stmt query = null;
        List<String> columns = null;
        if (peek().isOp("(")) {
            advance();
            query = preparableStatement();
            expectOp(")");
            if (peek().isWord("from")) {
                throw error();
            }
        } else {
            rel = rangeVarOf(qualifiedName(), pos);
            if (peek().isOp("(")) {
                columns = parenNameList();
            }
        }
        boolean from;
        if (acceptWord("from")) {
            from = true;
        } else {
            expectWord("to");
            from = false;
        }
        String file = null;
        boolean program = false;
        if (!acceptWord("stdin") && !acceptWord("stdout")) {
            program = acceptWord("program");
            file = stringConst();
        }
        Map<String, String> options = new LinkedHashMap<>();
        boolean with = acceptWord("with");
        if (acceptOp("(")) {
            do {
                int optionPos = peek().position();
                String name = colLabel();
                String value = "true";
                boolean list = false;
                if (!peek().isOp(",") && !peek().isOp(")")) {
                    if (peek().isOp("(")) {
                        value = String.join(",", parenNameList());
                        list = true;
                    } else {
                        value = advance().text();
                    }
                }
                checkCopyOption(name, value, optionPos);
                boolean columnsOnly = name.equals("force_not_null") || name.equals("force_null");
                if (columnsOnly && !list || name.equals("force_quote") && !list && !value.equals("*")) {
                    throw new SyntaxError(SqlState.INVALID_PARAMETER_VALUE, "argument to option \"" + name
                            + "\" must be a list of column names", optionPos);
                }
                if (options.containsKey(name)) {
                    throw new SyntaxError(SqlState.SYNTAX_ERROR, "conflicting or redundant options", optionPos);
                }
                options.put(name, value);
            } while (acceptOp(","));
            expectOp(")");
        } else {
            while (peek().kind() == Token.Kind.IDENT) { // the older syntax: [WITH] DELIMITER 'x' NULL 'y' CSV HEADER
                String name = advance().text();
                if (name.equals("delimiter") || name.equals("null") || name.equals("quote") || name.equals("escape")) {
                    acceptWord("as");
                    options.put(name, advance().text());
                } else if (name.equals("csv") || name.equals("binary")) {
                    options.put("format", name);
                } else if (name.equals("force")) { // FORCE QUOTE cols | *, FORCE NOT NULL cols, FORCE NULL cols
                    String option = acceptWord("quote") ? "force_quote"
                            : acceptWords("not", "null") ? "force_not_null" : "force_null";
                    if (option.equals("force_null")) {
                        expectWord("null");
                    }
                    if (option.equals("force_quote") && acceptOp("*")) {
                        options.put(option, "*");
                    } else {
                        List<String> names = new ArrayList<>();
                        do {
                            names.add(colId());
                        } while (acceptOp(","));
                        options.put(option, String.join(",", names));
                    }
                } else if (name.equals("encoding")) {
                    options.put(name, advance().text());
                } else {
                    options.put(name, "true");
                }
            }
        }
        if (!with && options.isEmpty() && !atEnd()) {
            throw error();
        }
        return new CopyStmt(rel, columns, query, from, file, program, options, pos);
    }

    // ---------------------------------------------------------------- cursors

    private Stmt declareCursor() {
        advance();
        String name = colId();
        boolean binary = false;
        boolean insensitive = false;
        boolean asensitive = false;
        boolean scroll = false;
        boolean noScroll = false;
        while (!isWord("cursor")) {
            if (acceptWord("binary")) {
                binary = true;
            } else if (acceptWord("insensitive")) {
                insensitive = true;
            } else if (acceptWord("asensitive")) {
                asensitive = true;
            } else if (acceptWord("scroll")) {
                scroll = true;
            } else if (acceptWords("no", "scroll")) {
                noScroll = true;
            } else {
                throw error();
            }
        }
        advance();
        boolean hold = false;
        if (acceptWords("with", "hold")) {
            hold = true;
        } else {
            acceptWords("without", "hold");
        }
        expectWord("for");
        Token t = peek();
        if (!t.isOp("(") && !t.isWord("select") && !t.isWord("values") && !t.isWord("table") && !t.isWord("with")) {
            throw error();
        }
        return new DeclareCursorStmt(name, binary, insensitive, asensitive, scroll, noScroll, hold, selectStatement());
    }

    /** FETCH / MOVE with gram.y's fetch_args. */
    private Stmt fetch() {
        boolean move = advance().text().equals("move");
        FetchDirection direction = FetchDirection.FORWARD;
        long count = 1;
        if (!cursorNameFollows()) {
            Token t = peek();
            if (t.kind() == Token.Kind.INTEGER || t.isOp("-") || t.isOp("+")) {
                count = signedIntConst();
            } else if (acceptWord("next")) {
                count = 1;
            } else if (acceptWord("prior")) {
                direction = FetchDirection.BACKWARD;
            } else if (acceptWord("first")) {
                direction = FetchDirection.ABSOLUTE;
            } else if (acceptWord("last")) {
                direction = FetchDirection.ABSOLUTE;
                count = -1;
            } else if (acceptWord("absolute") || isWord("relative")) {
                direction = acceptWord("relative") ? FetchDirection.RELATIVE : FetchDirection.ABSOLUTE;
                count = signedIntConst();
            } else if (acceptWord("all")) {
                count = FetchStmt.FETCH_ALL;
            } else if (acceptWord("forward") || acceptWord("backward")) {
                direction = tokens.get(index - 1).text().equals("forward") ? FetchDirection.FORWARD
                        : FetchDirection.BACKWARD;
                if (acceptWord("all")) {
                    count = FetchStmt.FETCH_ALL;
                } else if (peek().kind() == Token.Kind.INTEGER || peek().isOp("-") || peek().isOp("+")) {
                    count = signedIntConst();
                }
            } else if (!isWord("from") && !isWord("in")) {
                throw error();
            }
        }
        if (!acceptWord("from")) {
            acceptWord("in");
        }
        return new FetchStmt(move, direction, count, colId());
    }

    /** True when the next token is the cursor's name itself (FETCH c; FETCH next; where next names the cursor). */
    private boolean cursorNameFollows() {
        Token next = peekAt(1);
        return isColId(peek()) && !isWord("from") && !isWord("in")
                && (next.kind() == Token.Kind.EOF || next.isOp(";"));
    }

    /** gram.y's SignedIconst: an integer constant that fits int4, optionally signed. */
    private long signedIntConst() {
        boolean negative = false;
        if (acceptOp("-")) {
            negative = true;
        } else {
            acceptOp("+");
        }
        Token t = peek();
        if (t.kind() != Token.Kind.INTEGER) {
            throw error();
        }
        long v;
        try {
            v = Long.parseLong(t.text());
        } catch (NumberFormatException e) {
            throw error();
        }
        if (v > Integer.MAX_VALUE) {
            throw error();
        }
        advance();
        return negative ? -v : v;
    }

    private Stmt prepare() {
        advance();
        String name = colId();
        List<TypeName> types = new ArrayList<>();
        if (acceptOp("(")) {
            do {
                types.add(typeName());
            } while (acceptOp(","));
            expectOp(")");
        }
        expectWord("as");
        int start = index;
        Stmt s = preparableStatement();
        return new PrepareStmt(name, types, s, textFrom(start));
    }

    private Stmt execute() {
        advance();
        String name = colId();
        List<Expr> params = peek().isOp("(") ? parenExprList() : List.of();
        return new ExecuteStmt(name, params);
    }

    private Stmt comment() {
        advance();
        expectWord("on");
        ObjectType type;
        List<String> object;
        if (acceptWord("table")) {
            type = ObjectType.TABLE;
            object = qualifiedName();
        } else if (acceptWord("column")) {
            type = ObjectType.COLUMN;
            object = qualifiedName();
        } else if (acceptWord("view")) {
            type = ObjectType.VIEW;
            object = qualifiedName();
        } else if (acceptWord("index")) {
            type = ObjectType.INDEX;
            object = qualifiedName();
        } else if (acceptWord("sequence")) {
            type = ObjectType.SEQUENCE;
            object = qualifiedName();
        } else if (acceptWord("schema")) {
            type = ObjectType.SCHEMA;
            object = List.of(colId());
        } else if (acceptWord("database")) {
            type = ObjectType.DATABASE;
            object = List.of(colId());
        } else if (acceptWord("role")) {
            type = ObjectType.ROLE;
            object = List.of(colId());
        } else if (acceptWord("constraint")) {
            type = ObjectType.CONSTRAINT;
            String name = colId();
            expectWord("on");
            List<String> table = qualifiedName();
            object = new ArrayList<>(table);
            object.add(name);
        } else if (acceptWords("materialized", "view")) {
            type = ObjectType.MATERIALIZED_VIEW;
            object = qualifiedName();
        } else {
            throw unsupported("COMMENT ON " + peek().text().toUpperCase(Locale.ROOT));
        }
        expectWord("is");
        String text = acceptWord("null") ? null : stringConst();
        return new CommentStmt(type, object, text);
    }

    /** LOCK [TABLE] [ONLY] name [*] [, ...] [IN lockmode MODE] [NOWAIT]. */
    private Stmt lockTable() {
        List<RangeVar> rels = tableList();
        String mode = "ACCESS EXCLUSIVE";
        if (acceptWord("in")) {
            if (acceptWord("access")) {
                mode = acceptWord("share") ? "ACCESS SHARE" : expectThen("exclusive", "ACCESS EXCLUSIVE");
            } else if (acceptWord("row")) {
                mode = acceptWord("share") ? "ROW SHARE" : expectThen("exclusive", "ROW EXCLUSIVE");
            } else if (acceptWord("share")) {
                mode = acceptWords("update", "exclusive") ? "SHARE UPDATE EXCLUSIVE"
                        : acceptWords("row", "exclusive") ? "SHARE ROW EXCLUSIVE" : "SHARE";
            } else {
                mode = expectThen("exclusive", "EXCLUSIVE");
            }
            expectWord("mode");
        }
        return new LockStmt(rels, mode, acceptWord("nowait"));
    }

    private String expectThen(String word, String result) {
        expectWord(word);
        return result;
    }

    /** After TRUNCATE or LOCK: [TABLE] [ONLY] name [*] [, ...]. */
    private List<RangeVar> tableList() {
        advance();
        acceptWord("table");
        List<RangeVar> rels = new ArrayList<>();
        do {
            acceptWord("only");
            int pos = peek().position();
            rels.add(rangeVarOf(qualifiedName(), pos));
            acceptOp("*");
        } while (acceptOp(","));
        return rels;
    }

    private Stmt truncate() {
        List<RangeVar> rels = tableList();
        boolean restart = false;
        boolean cascade = false;
        while (true) {
            if (acceptWords("restart", "identity")) {
                restart = true;
            } else if (acceptWords("continue", "identity")) {
                restart = false;
            } else if (acceptWord("cascade")) {
                cascade = true;
            } else if (!acceptWord("restrict")) {
                break;
            }
        }
        return new TruncateStmt(rels, restart, cascade);
    }

    private Stmt grant() {
        boolean grant = advance().text().equals("grant");
        int save = index;
        if (!grant && acceptWords("admin", "option", "for")) {
            save = index;
        }
        index = save;
        GrantStmt privileges = privilegeGrant(grant, false);
        if (privileges != null) {
            return privileges;
        }
        index = save;
        List<String> roles = new ArrayList<>();
        do {
            if (peek().kind() != Token.Kind.IDENT) {
                throw error();
            }
            roles.add(advance().text());
        } while (acceptOp(","));
        if (grant) {
            expectWord("to");
        } else {
            expectWord("from");
        }
        List<String> members = nameList();
        boolean admin = grant && acceptWords("with", "admin", "option");
        if (acceptWords("granted", "by")) {
            colId();
        }
        acceptWord("cascade");
        acceptWord("restrict");
        return new GrantRoleStmt(grant, roles, members, admin);
    }

    /**
     * After GRANT / REVOKE: [GRANT OPTION FOR] privileges ON objects TO / FROM grantees ...; null
     * (nothing consumed that matters) when there is no ON: a grant of roles.
     */
    private GrantStmt privilegeGrant(boolean grant, boolean defaults) {
        boolean optionFor = !grant && acceptWords("grant", "option", "for");
        List<Privilege> privileges = new ArrayList<>();
        if (acceptWord("all")) {
            acceptWord("privileges");
            privileges = null;
        } else {
            do {
                if (peek().kind() != Token.Kind.IDENT) {
                    return null;
                }
                String name = advance().text();
                if (name.equals("alter") && acceptWord("system")) {
                    name = "alter system";
                }
                List<String> columns = null;
                if (acceptOp("(")) {
                    columns = new ArrayList<>();
                    do {
                        columns.add(colId());
                    } while (acceptOp(","));
                    expectOp(")");
                }
                privileges.add(new Privilege(name, columns));
            } while (acceptOp(","));
        }
        if (!acceptWord("on")) {
            if (privileges == null || optionFor) {
                throw error();
            }
            return null;
        }
        String type;
        boolean inSchemas = false;
        List<List<String>> objects = new ArrayList<>();
        List<FunctionRef> functions = new ArrayList<>();
        if (defaults) {
            type = advance().text();
            if (!List.of("tables", "sequences", "functions", "routines", "schemas", "types").contains(type)) {
                throw error();
            }
        } else if (acceptWord("all")) {
            inSchemas = true;
            type = advance().text();
            if (!List.of("tables", "sequences", "functions", "routines", "procedures").contains(type)) {
                throw error();
            }
            type = switch (type) {
                case "tables" -> "table";
                case "sequences" -> "sequence";
                default -> "function";
            };
            expectWord("in");
            expectWord("schema");
            do {
                objects.add(List.of(colId()));
            } while (acceptOp(","));
        } else {
            type = acceptWord("table") ? "table" : acceptWord("sequence") ? "sequence"
                    : acceptWord("function") || acceptWord("routine") || acceptWord("procedure") ? "function"
                    : acceptWord("schema") ? "schema" : acceptWord("database") ? "database"
                    : acceptWord("tablespace") ? "tablespace"
                    : isWord("language") || isWord("type") || isWord("domain")
                    || isWord("foreign") || isWord("large") || isWord("parameter") ? null : "table";
            if (type == null) {
                throw unsupported((grant ? "GRANT" : "REVOKE") + " on " + advance().text().toUpperCase(
                        java.util.Locale.ROOT) + " objects");
            }
            do {
                if (type.equals("function")) {
                    functions.add(functionRef());
                } else if (type.equals("schema") || type.equals("database") || type.equals("tablespace")) {
                    objects.add(List.of(colId()));
                } else {
                    objects.add(qualifiedName());
                }
            } while (acceptOp(","));
        }
        expectWord(grant ? "to" : "from");
        List<String> grantees = new ArrayList<>();
        do {
            acceptWord("group");
            grantees.add(grantee());
        } while (acceptOp(","));
        boolean option = grant && acceptWords("with", "grant", "option");
        String grantedBy = null;
        if (acceptWords("granted", "by")) {
            grantedBy = grantee();
        }
        boolean cascade = !grant && acceptWord("cascade");
        if (!grant && !cascade) {
            acceptWord("restrict");
        }
        return new GrantStmt(grant, type, inSchemas, objects, functions, privileges, grantees,
                grant ? option : optionFor, grantedBy, cascade);
    }

    /** A role specification: a name, PUBLIC (null), CURRENT_USER, SESSION_USER. */
    private String grantee() {
        if (peek().kind() == Token.Kind.IDENT) {
            String w = peek().text();
            if (w.equals("public") && !peek().quoted()) {
                advance();
                return null;
            }
            if ((w.equals("current_user") || w.equals("current_role")) && !peek().quoted()) {
                advance();
                return GrantStmt.CURRENT_USER;
            }
            if (w.equals("session_user") && !peek().quoted()) {
                advance();
                return GrantStmt.SESSION_USER;
            }
        }
        return colLabel();
    }

    /** ALTER DEFAULT PRIVILEGES (after those words). */
    private Stmt alterDefaultPrivileges() {
        List<String> roles = new ArrayList<>();
        List<String> schemas = new ArrayList<>();
        while (true) {
            if (acceptWord("for")) {
                if (!acceptWord("role")) {
                    expectWord("user");
                }
                roles.addAll(nameList());
            } else if (acceptWord("in")) {
                expectWord("schema");
                schemas.addAll(nameList());
            } else {
                break;
            }
        }
        boolean grant;
        if (acceptWord("grant")) {
            grant = true;
        } else {
            expectWord("revoke");
            grant = false;
        }
        GrantStmt action = privilegeGrant(grant, true);
        if (action == null) {
            throw error();
        }
        return new AlterDefaultPrivilegesStmt(roles, schemas, action);
    }

    // ---------------------------------------------------------------- CREATE

    /** A function named with its argument types or without (then its name must be unique): name [(type, ...)]. */
    private FunctionRef functionRef() {
        List<String> name = qualifiedName();
        List<TypeName> args = null;
        if (acceptOp("(")) {
            args = new ArrayList<>();
            if (!acceptOp(")")) {
                do {
                    args.add(functionParam().type());
                } while (acceptOp(","));
                expectOp(")");
            }
        }
        return new FunctionRef(name, args);
    }

    /** DROP FUNCTION [IF EXISTS] name [(argtypes)], ... [CASCADE | RESTRICT]. */
    private Stmt dropFunction() {
        boolean ifExists = acceptWords("if", "exists");
        List<FunctionRef> refs = new ArrayList<>();
        do {
            refs.add(functionRef());
        } while (acceptOp(","));
        boolean cascade = acceptWord("cascade");
        if (!cascade) {
            acceptWord("restrict");
        }
        return new DropFunctionStmt(refs, ifExists, cascade);
    }

    /**
     * CREATE [OR REPLACE] FUNCTION name (params) RETURNS type | SETOF type | TABLE (cols), then
     * LANGUAGE, volatility, strictness, AS 'body' and the options PostgreSQL accepts without
     * their effect mattering here (PARALLEL, COST, ROWS, LEAKPROOF, SECURITY INVOKER). A language
     * other than sql, OUT parameters, defaults, SECURITY DEFINER and SET are refused with 0A000.
     */
    private Stmt createFunction(boolean orReplace, int pos) {
        List<String> name = qualifiedName();
        expectOp("(");
        List<FunctionParam> params = new ArrayList<>();
        if (!acceptOp(")")) {
            do {
                params.add(functionParam());
            } while (acceptOp(","));
            expectOp(")");
        }
        TypeName returns = null;
        boolean setof = false;
        List<ColumnTypeDef> table = null;
        if (acceptWord("returns")) {
            if (acceptWord("table")) {
                expectOp("(");
                table = new ArrayList<>();
                do {
                    String col = colId();
                    table.add(new ColumnTypeDef(col, typeName()));
                } while (acceptOp(","));
                expectOp(")");
                setof = true;
            } else {
                setof = acceptWord("setof");
                returns = typeName();
            }
        }
        String language = null;
        String body = null;
        char volatility = 'v';
        boolean strict = false;
        while (!atEnd()) {
            Token t = peek();
            if (acceptWord("language")) {
                language = advance().text().toLowerCase(Locale.ROOT);
            } else if (acceptWord("as")) {
                body = stringConst();
                if (acceptOp(",")) {
                    throw unsupported("AS 'obj_file', 'link_symbol' (C functions)");
                }
            } else if (acceptWord("immutable") || acceptWord("stable") || acceptWord("volatile")) {
                volatility = t.text().charAt(0);
            } else if (acceptWord("strict") || acceptWords("returns", "null", "on", "null", "input")) {
                strict = true;
            } else if (acceptWords("called", "on", "null", "input")) {
                strict = false;
            } else if (acceptWord("leakproof") || acceptWords("not", "leakproof")
                    || acceptWords("security", "invoker") || acceptWords("external", "security", "invoker")) {
                continue;
            } else if (acceptWord("parallel")) {
                if (!acceptWord("safe") && !acceptWord("restricted")) {
                    expectWord("unsafe");
                }
            } else if (acceptWord("cost") || acceptWord("rows")) {
                advance();
            } else if (isWord("return") || isWord("begin")) {
                throw unsupported("a SQL-standard function body (RETURN or BEGIN ATOMIC); write AS '...'");
            } else if (isWord("security") || isWord("external") || isWord("set") || isWord("window")
                    || isWord("transform") || isWord("support")) {
                throw unsupported("CREATE FUNCTION ... " + t.text().toUpperCase(Locale.ROOT));
            } else {
                throw error();
            }
        }
        if (language == null) {
            throw new SyntaxError(SqlState.INVALID_FUNCTION_DEFINITION, "no language specified", 0);
        }
        if (!language.equals("sql")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, language.equals("plpgsql")
                    ? "CREATE FUNCTION ... LANGUAGE plpgsql is not supported: Walden has no PL/pgSQL interpreter "
                    + "(procedural languages are not built; LANGUAGE sql functions are)"
                    : "CREATE FUNCTION ... LANGUAGE " + language + " is not supported: only LANGUAGE sql is", pos);
        }
        if (body == null) {
            throw new SyntaxError(SqlState.INVALID_FUNCTION_DEFINITION, "no function body specified", 0);
        }
        if (returns == null && table == null) {
            throw new SyntaxError(SqlState.INVALID_FUNCTION_DEFINITION, "function result type must be specified",
                    0);
        }
        return new CreateFunctionStmt(orReplace, name, params, returns, setof, table, body, volatility, strict, pos);
    }

    /** [IN] [name] type: a first word is a name when a type follows it. */
    private FunctionParam functionParam() {
        if (isWord("out") || isWord("inout") || isWord("variadic")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, peek().text().toUpperCase(Locale.ROOT)
                    + " parameters are not supported", peek().position());
        }
        acceptWord("in");
        int start = index;
        TypeName type = typeName();
        if (peek().isOp(",") || peek().isOp(")")) {
            return new FunctionParam(null, type);
        }
        if (isWord("default") || peek().isOp("=")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "parameter defaults are not supported",
                    peek().position());
        }
        index = start;
        String name = colId();
        type = typeName();
        if (isWord("default") || peek().isOp("=")) {
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "parameter defaults are not supported",
                    peek().position());
        }
        return new FunctionParam(name, type);
    }

    /**
     * CREATE PROCEDURE: procedures are not built yet, in any language; the message names the
     * language the statement asked for.
     */
    private SyntaxError refuseRoutine() {
        Token what = advance();
        String language = null;
        while (!atEnd()) {
            if (acceptWord("language") && !atEnd()) {
                language = advance().text().toLowerCase(Locale.ROOT);
            } else {
                advance();
            }
        }
        String kind = "CREATE " + what.text().toUpperCase(Locale.ROOT);
        String message = language == null ? kind + " is not supported"
                : language.equals("plpgsql") ? kind + " ... LANGUAGE plpgsql is not supported: Walden has no PL/pgSQL "
                + "interpreter (procedural languages are not built)"
                : kind + " ... LANGUAGE " + language + " is not supported: user-defined functions are not built yet";
        return new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, message, what.position());
    }

    private Stmt create() {
        int pos = advance().position();
        boolean orReplace = acceptWords("or", "replace");
        boolean temporary = acceptWord("temporary") || acceptWord("temp");
        if (!temporary && (acceptWord("local") || acceptWord("global"))) {
            temporary = acceptWord("temporary") || acceptWord("temp");
        }
        boolean unlogged = acceptWord("unlogged");
        if (acceptWord("function")) {
            return createFunction(orReplace, pos);
        }
        if (isWord("procedure")) {
            throw refuseRoutine();
        }
        if (acceptWord("table")) {
            return createTable(temporary ? 't' : unlogged ? 'u' : 'p', pos);
        }
        if (acceptWord("view") || (acceptWord("recursive") && acceptWord("view"))) {
            return createView(orReplace, temporary, pos);
        }
        if (!orReplace && !temporary && acceptWords("materialized", "view")) {
            if (unlogged) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "materialized views cannot be unlogged", -1);
            }
            return createMatView();
        }
        if (orReplace || temporary || unlogged) {
            if (acceptWord("sequence")) {
                return createSequence(temporary, pos);
            }
            throw error();
        }
        if (isWord("unique") || isWord("index")) {
            return createIndex(pos);
        }
        if (acceptWord("schema")) {
            boolean ifNotExists = acceptWords("if", "not", "exists");
            String name = null;
            String owner = null;
            if (!isWord("authorization")) {
                name = colId();
            }
            if (acceptWord("authorization")) {
                owner = colLabel();
            }
            if (name == null) {
                name = owner;
            }
            if (!atEnd()) {
                throw unsupported("CREATE SCHEMA with schema elements");
            }
            return new CreateSchemaStmt(name, owner, ifNotExists, pos);
        }
        if (acceptWord("sequence")) {
            return createSequence(false, pos);
        }
        if (acceptWord("role")) {
            return roleStmt(true, false);
        }
        if (acceptWord("user")) {
            return roleStmt(true, true);
        }
        if (acceptWord("group")) {
            return roleStmt(true, false);
        }
        if (acceptWord("database")) {
            return createDatabase();
        }
        if (acceptWord("tablespace")) {
            return createTablespace();
        }
        if (acceptWord("extension")) {
            boolean ifNotExists = acceptWords("if", "not", "exists");
            String name = colId();
            skipToEnd();
            if (name.equals("plpgsql") && ifNotExists) {
                return new NoOpStmt("CREATE EXTENSION");
            }
            throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "extension \"" + name
                    + "\" is not available", pos);
        }
        Token what = peek();
        throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "CREATE " + what.text().toUpperCase(Locale.ROOT)
                + " is not supported", what.position());
    }

    private Stmt createTable(char persistence, int pos) {
        boolean ifNotExists = acceptWords("if", "not", "exists");
        int namePosition = peek().position();
        RangeVar rel = rangeVarOf(qualifiedName(), namePosition);
        String onCommitBeforeAs = isWord("on") ? onCommitClause() : null;
        if (onCommitBeforeAs != null || isWord("as") || (peek().isOp("(") && isAsAfterColumnNames())) {
            List<String> cols = peek().isOp("(") ? parenNameList() : null;
            String onCommit = onCommitBeforeAs != null ? onCommitBeforeAs : onCommitClause();
            expectWord("as");
            SelectStmt query = selectStatement();
            boolean withData = true;
            if (acceptWord("with")) {
                withData = !acceptWord("no");
                expectWord("data");
            }
            return new CreateTableAsStmt(rel, cols, query, ifNotExists, withData, persistence, onCommit);
        }
        if (isWord("of") || isWord("partition")) {
            throw unsupported("CREATE TABLE " + peek().text().toUpperCase(Locale.ROOT));
        }
        expectOp("(");
        List<ColumnDef> columns = new ArrayList<>();
        List<Constraint> constraints = new ArrayList<>();
        List<Tree.TableLike> likes = new ArrayList<>();
        if (!peek().isOp(")")) {
            do {
                if (isWord("constraint") || isWord("primary") || isWord("unique") || isWord("check")
                        || isWord("foreign") || isWord("exclude")) {
                    constraints.add(tableConstraint());
                } else if (acceptWord("like")) {
                    likes.add(tableLike(columns.size()));
                } else {
                    columns.add(columnDef());
                }
            } while (acceptOp(","));
        }
        expectOp(")");
        List<String> options = new ArrayList<>();
        String onCommit = null;
        String tablespace = null;
        while (true) {
            if (isWord("inherits") || isWord("partition")) {
                throw unsupported(peek().text().toUpperCase(Locale.ROOT));
            }
            if (acceptWord("with")) {
                options.addAll(storageParameters());
            } else if (acceptWords("without", "oids")) {
                continue;
            } else if (isWord("on")) {
                onCommit = onCommitClause();
            } else if (acceptWord("tablespace")) {
                tablespace = colId();
            } else if (acceptWord("using")) {
                colId();
            } else {
                break;
            }
        }
        return new CreateTableStmt(rel, columns, constraints, ifNotExists, persistence, options, onCommit, tablespace,
                pos, likes);
    }

    private static final List<String> LIKE_OPTIONS = List.of("comments", "compression", "constraints", "defaults",
            "generated", "identity", "indexes", "statistics", "storage");

    /** LIKE source_table [{INCLUDING | EXCLUDING} {option | ALL}] ... (after LIKE). */
    private Tree.TableLike tableLike(int columnIndex) {
        int position = peek().position();
        RangeVar source = rangeVarOf(qualifiedName(), position);
        java.util.Set<String> including = new java.util.TreeSet<>();
        while (isWord("including") || isWord("excluding")) {
            boolean in = acceptWord("including");
            if (!in) {
                expectWord("excluding");
            }
            String what = peek().text().toLowerCase(Locale.ROOT);
            if (!what.equals("all") && !LIKE_OPTIONS.contains(what)) {
                throw error();
            }
            advance();
            List<String> options = what.equals("all") ? LIKE_OPTIONS : List.of(what);
            if (in) {
                including.addAll(options);
            } else {
                options.forEach(including::remove);
            }
        }
        return new Tree.TableLike(source, columnIndex, including);
    }

    /** ON COMMIT PRESERVE ROWS | DELETE ROWS | DROP (null when absent). */
    private String onCommitClause() {
        if (!acceptWords("on", "commit")) {
            return null;
        }
        if (acceptWords("preserve", "rows")) {
            return "PRESERVE ROWS";
        }
        if (acceptWords("delete", "rows")) {
            return "DELETE ROWS";
        }
        expectWord("drop");
        return "DROP";
    }

    private boolean isAsAfterColumnNames() {
        int depth = 0;
        for (int i = 0; ; i++) {
            Token t = peekAt(i);
            if (t.kind() == Token.Kind.EOF) {
                return false;
            }
            if (t.isOp("(")) {
                depth++;
            } else if (t.isOp(")")) {
                depth--;
                if (depth == 0) {
                    return peekAt(i + 1).isWord("as");
                }
            }
        }
    }

    private List<String> storageParameters() {
        expectOp("(");
        List<String> out = new ArrayList<>();
        do {
            StringBuilder name = new StringBuilder(colLabel());
            while (acceptOp(".")) {
                name.append('.').append(colLabel());
            }
            if (acceptOp("=")) {
                Token v = advance();
                name.append('=').append(v.text());
            }
            out.add(name.toString());
        } while (acceptOp(","));
        expectOp(")");
        return out;
    }

    ColumnDef columnDef() {
        int pos = peek().position();
        String name = colId();
        TypeName type = typeName();
        List<Constraint> constraints = new ArrayList<>();
        while (true) {
            int cpos = peek().position();
            String cname = null;
            if (acceptWord("constraint")) {
                cname = colId();
            }
            if (acceptWords("not", "null")) {
                constraints.add(Constraint.simple(ConstraintType.NOT_NULL, cname, cpos));
            } else if (acceptWord("null")) {
                constraints.add(Constraint.simple(ConstraintType.NULL, cname, cpos));
            } else if (acceptWord("default")) {
                Expr e = defaultExpr();
                constraints.add(new Constraint(ConstraintType.DEFAULT, cname, List.of(), e, null, List.of(), 'a', 'a',
                        false, false, false, false, '\0', List.of(), false, cpos));
            } else if (isWord("collate")) {
                int collatePos = advance().position();
                Collations.check(qualifiedName(), collatePos);
            } else if (isWord("primary") || isWord("unique") || isWord("check") || isWord("references")) {
                constraints.add(columnConstraint(cname, cpos));
            } else if (acceptWord("generated")) {
                constraints.add(generated(cname, cpos));
            } else if (isWord("deferrable") || isWord("not") && isWordAt(1, "deferrable")
                    || isWord("initially")) {
                applyDeferrable(constraints);
            } else if (cname != null) {
                throw error();
            } else {
                return new ColumnDef(name, type, constraints, pos);
            }
        }
    }

    private Expr defaultExpr() {
        return expr();
    }

    private Constraint generated(String name, int pos) {
        char identity;
        int whenPosition = peek().position();
        if (acceptWord("always")) {
            identity = 'a';
        } else {
            expectWord("by");
            expectWord("default");
            identity = 'd';
        }
        expectWord("as");
        if (peek().isOp("(")) {
            if (identity != 'a') {
                throw new SyntaxError(SqlState.SYNTAX_ERROR, "for a generated column, GENERATED ALWAYS must be "
                        + "specified", whenPosition);
            }
            advance();
            Expr e = expr();
            expectOp(")");
            expectWord("stored");
            return new Constraint(ConstraintType.GENERATED, name, List.of(), e, null, List.of(), 'a', 'a', false,
                    false, false, false, identity, List.of(), false, pos);
        }
        expectWord("identity");
        List<SeqOption> options = List.of();
        if (peek().isOp("(")) {
            advance();
            options = sequenceOptions();
            expectOp(")");
        }
        return new Constraint(ConstraintType.IDENTITY, name, List.of(), null, null, List.of(), 'a', 'a', false, false,
                false, false, identity, options, false, pos);
    }

    private void applyDeferrable(List<Constraint> constraints) {
        boolean deferrable = true;
        boolean deferred = false;
        if (acceptWord("not")) {
            expectWord("deferrable");
            deferrable = false;
        } else if (acceptWord("deferrable")) {
            deferrable = true;
        } else {
            expectWord("initially");
            deferred = acceptWord("deferred");
            if (!deferred) {
                expectWord("immediate");
            }
        }
        if (constraints.isEmpty()) {
            throw error();
        }
        Constraint c = constraints.remove(constraints.size() - 1);
        constraints.add(new Constraint(c.type(), c.name(), c.keys(), c.expr(), c.refTable(), c.refColumns(),
                c.onUpdate(), c.onDelete(), c.matchFull(), deferrable || deferred, deferred, c.notValid(),
                c.identity(), c.sequenceOptions(), c.nullsNotDistinct(), c.position()));
    }

    private Constraint columnConstraint(String name, int pos) {
        if (acceptWords("primary", "key")) {
            indexParameters();
            return Constraint.simple(ConstraintType.PRIMARY, name, pos);
        }
        if (acceptWord("unique")) {
            boolean nnd = nullsDistinct();
            indexParameters();
            return new Constraint(ConstraintType.UNIQUE, name, List.of(), null, null, List.of(), 'a', 'a', false,
                    false, false, false, '\0', List.of(), nnd, pos);
        }
        if (acceptWord("check")) {
            expectOp("(");
            Expr e = expr();
            expectOp(")");
            acceptWords("no", "inherit");
            return new Constraint(ConstraintType.CHECK, name, List.of(), e, null, List.of(), 'a', 'a', false, false,
                    false, false, '\0', List.of(), false, pos);
        }
        expectWord("references");
        return references(name, List.of(), pos);
    }

    private boolean nullsDistinct() {
        if (acceptWord("nulls")) {
            boolean not = acceptWord("not");
            expectWord("distinct");
            return not;
        }
        return false;
    }

    private void indexParameters() {
        while (true) {
            if (acceptWord("include")) {
                parenNameList();
            } else if (acceptWord("with")) {
                storageParameters();
            } else if (acceptWords("using", "index", "tablespace")) {
                colId();
            } else {
                return;
            }
        }
    }

    private Constraint references(String name, List<String> keys, int pos) {
        RangeVar ref = rangeVarOf(qualifiedName(), peek().position());
        List<String> refCols = peek().isOp("(") ? parenNameList() : List.of();
        char onUpdate = 'a';
        char onDelete = 'a';
        boolean matchFull = false;
        while (true) {
            if (acceptWord("match")) {
                if (acceptWord("full")) {
                    matchFull = true;
                } else if (!acceptWord("simple")) {
                    expectWord("partial");
                    throw unsupported("MATCH PARTIAL");
                }
            } else if (acceptWords("on", "delete")) {
                onDelete = referentialAction();
            } else if (acceptWords("on", "update")) {
                onUpdate = referentialAction();
            } else {
                break;
            }
        }
        return new Constraint(ConstraintType.FOREIGN, name, keys, null, ref, refCols, onUpdate, onDelete, matchFull,
                false, false, false, '\0', List.of(), false, pos);
    }

    private char referentialAction() {
        if (acceptWords("no", "action")) {
            return 'a';
        }
        if (acceptWord("restrict")) {
            return 'r';
        }
        if (acceptWord("cascade")) {
            return 'c';
        }
        expectWord("set");
        if (acceptWord("null")) {
            return 'n';
        }
        expectWord("default");
        return 'd';
    }

    Constraint tableConstraint() {
        int pos = peek().position();
        String name = acceptWord("constraint") ? colId() : null;
        Constraint c;
        if (acceptWords("primary", "key")) {
            List<String> keys = parenNameList();
            indexParameters();
            c = new Constraint(ConstraintType.PRIMARY, name, keys, null, null, List.of(), 'a', 'a', false, false,
                    false, false, '\0', List.of(), false, pos);
        } else if (acceptWord("unique")) {
            boolean nnd = nullsDistinct();
            List<String> keys = parenNameList();
            indexParameters();
            c = new Constraint(ConstraintType.UNIQUE, name, keys, null, null, List.of(), 'a', 'a', false, false,
                    false, false, '\0', List.of(), nnd, pos);
        } else if (acceptWord("check")) {
            expectOp("(");
            Expr e = expr();
            expectOp(")");
            acceptWords("no", "inherit");
            c = new Constraint(ConstraintType.CHECK, name, List.of(), e, null, List.of(), 'a', 'a', false, false,
                    false, false, '\0', List.of(), false, pos);
        } else if (acceptWords("foreign", "key")) {
            List<String> keys = parenNameList();
            expectWord("references");
            c = references(name, keys, pos);
        } else if (isWord("exclude")) {
            throw unsupported("EXCLUDE constraints");
        } else {
            throw error();
        }
        List<Constraint> holder = new ArrayList<>(List.of(c));
        while (isWord("deferrable") || (isWord("not") && isWordAt(1, "deferrable")) || isWord("initially")) {
            applyDeferrable(holder);
        }
        c = holder.get(0);
        if (acceptWords("not", "valid")) {
            c = new Constraint(c.type(), c.name(), c.keys(), c.expr(), c.refTable(), c.refColumns(), c.onUpdate(),
                    c.onDelete(), c.matchFull(), c.deferrable(), c.initiallyDeferred(), true, c.identity(),
                    c.sequenceOptions(), c.nullsNotDistinct(), c.position());
        }
        return c;
    }

    private Stmt createView(boolean orReplace, boolean temporary, int pos) {
        int namePosition = peek().position();
        RangeVar name = rangeVarOf(qualifiedName(), namePosition);
        List<String> cols = peek().isOp("(") ? parenNameList() : null;
        if (acceptWord("with")) {
            storageParameters();
        }
        expectWord("as");
        int start = index;
        SelectStmt query = selectStatement();
        String text = textFrom(start);
        if (acceptWord("with")) {
            acceptWord("cascaded");
            acceptWord("local");
            expectWord("check");
            expectWord("option");
        }
        return new ViewStmt(name, cols, query, text, orReplace, temporary, pos);
    }

    /** CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [(cols)] [WITH (...)] [TABLESPACE t] AS query [WITH [NO] DATA]. */
    private Stmt createMatView() {
        boolean ifNotExists = acceptWords("if", "not", "exists");
        RangeVar name = rangeVarOf(qualifiedName(), peek().position());
        List<String> cols = peek().isOp("(") ? parenNameList() : null;
        if (isWord("using")) {
            throw unsupported("CREATE MATERIALIZED VIEW USING");
        }
        if (acceptWord("with")) {
            storageParameters();
        }
        String tablespace = acceptWord("tablespace") ? colId() : null;
        expectWord("as");
        int start = index;
        SelectStmt query = selectStatement();
        String text = textFrom(start);
        boolean withData = true;
        if (acceptWord("with")) {
            withData = !acceptWord("no");
            expectWord("data");
        }
        return new CreateMatViewStmt(name, cols, tablespace, query, text, ifNotExists, withData);
    }

    /** REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]. */
    private Stmt refreshMatView() {
        advance();
        expectWord("materialized");
        expectWord("view");
        boolean concurrently = acceptWord("concurrently");
        RangeVar name = rangeVarOf(qualifiedName(), peek().position());
        boolean withData = true;
        if (acceptWord("with")) {
            withData = !acceptWord("no");
            expectWord("data");
        }
        return new RefreshMatViewStmt(name, concurrently, withData);
    }

    private Stmt createIndex(int pos) {
        boolean unique = acceptWord("unique");
        expectWord("index");
        boolean concurrently = acceptWord("concurrently");
        boolean ifNotExists = acceptWords("if", "not", "exists");
        String name = null;
        if (!isWord("on")) {
            name = colId();
        }
        expectWord("on");
        acceptWord("only");
        RangeVar rel = rangeVarOf(qualifiedName(), peek().position());
        String method = "btree";
        if (acceptWord("using")) {
            method = colId();
        }
        expectOp("(");
        List<IndexElem> keys = new ArrayList<>();
        do {
            keys.add(indexElem());
        } while (acceptOp(","));
        expectOp(")");
        List<String> include = List.of();
        if (acceptWord("include")) {
            include = parenNameList();
        }
        boolean nnd = nullsDistinct();
        if (acceptWord("with")) {
            storageParameters();
        }
        String tablespace = acceptWord("tablespace") ? colId() : null;
        Expr where = acceptWord("where") ? expr() : null;
        return new IndexStmt(name, rel, method, keys, include, where, unique, concurrently, ifNotExists, nnd,
                tablespace, pos);
    }

    private IndexElem indexElem() {
        int pos = peek().position();
        String column = null;
        Expr expr = null;
        if (peek().isOp("(")) {
            advance();
            expr = expr();
            expectOp(")");
        } else if (isColId(peek()) && (peekAt(1).isOp(",") || peekAt(1).isOp(")") || peekAt(1).isWord("asc")
                || peekAt(1).isWord("desc") || peekAt(1).isWord("nulls") || peekAt(1).isWord("collate")
                || (peekAt(1).kind() == Token.Kind.IDENT && !peekAt(1).isOp("(") && !peekAt(1).isOp(".")))) {
            column = colId();
        } else {
            expr = expr();
        }
        if (acceptWord("collate")) {
            Collations.check(qualifiedName(), 0);
        }
        if (peek().kind() == Token.Kind.IDENT && !isWord("asc") && !isWord("desc") && !isWord("nulls")) {
            qualifiedName(); // an operator class: accepted
        }
        boolean desc = acceptWord("desc");
        if (!desc) {
            acceptWord("asc");
        }
        Boolean nullsFirst = null;
        if (acceptWord("nulls")) {
            nullsFirst = acceptWord("first");
            if (!nullsFirst) {
                expectWord("last");
            }
        }
        return new IndexElem(column, expr, desc, nullsFirst, pos);
    }

    private Stmt createSequence(boolean temporary, int pos) {
        boolean ifNotExists = acceptWords("if", "not", "exists");
        int namePosition = peek().position();
        RangeVar name = rangeVarOf(qualifiedName(), namePosition);
        return new CreateSequenceStmt(name, sequenceOptions(), ifNotExists, temporary, pos);
    }

    List<SeqOption> sequenceOptions() {
        List<SeqOption> options = new ArrayList<>();
        while (true) {
            if (acceptWord("as")) {
                options.add(new SeqOption("as", typeName()));
            } else if (acceptWord("increment")) {
                acceptWord("by");
                options.add(new SeqOption("increment", integerConst()));
            } else if (acceptWord("minvalue")) {
                options.add(new SeqOption("minvalue", integerConst()));
            } else if (acceptWord("maxvalue")) {
                options.add(new SeqOption("maxvalue", integerConst()));
            } else if (acceptWord("no")) {
                if (acceptWord("minvalue")) {
                    options.add(new SeqOption("minvalue", null));
                } else if (acceptWord("maxvalue")) {
                    options.add(new SeqOption("maxvalue", null));
                } else {
                    expectWord("cycle");
                    options.add(new SeqOption("cycle", false));
                }
            } else if (acceptWord("start")) {
                acceptWord("with");
                options.add(new SeqOption("start", integerConst()));
            } else if (acceptWord("restart")) {
                acceptWord("with");
                options.add(new SeqOption("restart", peek().kind() == Token.Kind.INTEGER || peek().isOp("-")
                        ? integerConst() : null));
            } else if (acceptWord("cache")) {
                options.add(new SeqOption("cache", integerConst()));
            } else if (acceptWord("cycle")) {
                options.add(new SeqOption("cycle", true));
            } else if (acceptWords("owned", "by")) {
                options.add(new SeqOption("owned_by", acceptWord("none") ? null : qualifiedName()));
            } else if (acceptWord("sequence") && acceptWord("name")) {
                options.add(new SeqOption("sequence_name", qualifiedName()));
            } else {
                return options;
            }
        }
    }

    private Stmt createDatabase() {
        String name = colId();
        Map<String, String> options = new LinkedHashMap<>();
        acceptWord("with");
        while (peek().kind() == Token.Kind.IDENT) {
            String opt = advance().text();
            acceptOp("=");
            Token v = advance();
            options.put(opt, v.isWord("default") ? null : v.text());
        }
        return new CreateDatabaseStmt(name, options);
    }

    /** CREATE TABLESPACE name [OWNER role] LOCATION 'dir' [WITH (options)]. */
    private Stmt createTablespace() {
        String name = colId();
        String owner = acceptWord("owner") ? colLabel() : null;
        expectWord("location");
        String location = stringConst();
        List<String> options = acceptWord("with") ? storageParameters() : List.of();
        return new CreateTablespaceStmt(name, owner, location, options);
    }

    // ---------------------------------------------------------------- DROP

    private Stmt drop() {
        int pos = advance().position();
        ObjectType type;
        boolean concurrently = false;
        if (acceptWord("table")) {
            type = ObjectType.TABLE;
        } else if (acceptWord("view")) {
            type = ObjectType.VIEW;
        } else if (acceptWord("index")) {
            type = ObjectType.INDEX;
            concurrently = acceptWord("concurrently");
        } else if (acceptWord("sequence")) {
            type = ObjectType.SEQUENCE;
        } else if (acceptWord("schema")) {
            type = ObjectType.SCHEMA;
        } else if (acceptWord("role") || acceptWord("user") || acceptWord("group")) {
            boolean ifExists = acceptWords("if", "exists");
            return new DropRoleStmt(nameList(), ifExists);
        } else if (acceptWord("database")) {
            boolean ifExists = acceptWords("if", "exists");
            String name = colId();
            boolean force = false;
            if (acceptOp("(") || acceptWord("with")) {
                acceptOp("(");
                force = acceptWord("force");
                expectOp(")");
            }
            return new DropDatabaseStmt(name, ifExists, force);
        } else if (acceptWord("tablespace")) {
            boolean ifExists = acceptWords("if", "exists");
            return new DropTablespaceStmt(colId(), ifExists);
        } else if (acceptWords("materialized", "view")) {
            type = ObjectType.MATERIALIZED_VIEW;
        } else if (acceptWord("extension")) {
            type = ObjectType.EXTENSION;
        } else if (acceptWord("type")) {
            type = ObjectType.TYPE;
        } else if (acceptWord("domain")) {
            type = ObjectType.DOMAIN;
        } else if (acceptWord("function")) {
            return dropFunction();
        } else {
            throw error();
        }
        boolean ifExists = acceptWords("if", "exists");
        List<List<String>> names = new ArrayList<>();
        do {
            names.add(qualifiedName());
            if (type == ObjectType.FUNCTION && peek().isOp("(")) {
                skipParens();
            }
        } while (acceptOp(","));
        boolean cascade = acceptWord("cascade");
        if (!cascade) {
            acceptWord("restrict");
        }
        return new DropStmt(type, names, ifExists, cascade, concurrently, pos);
    }

    private void skipParens() {
        int depth = 0;
        do {
            Token t = advance();
            if (t.isOp("(")) {
                depth++;
            } else if (t.isOp(")")) {
                depth--;
            }
        } while (depth > 0 && peek().kind() != Token.Kind.EOF);
    }

    // ---------------------------------------------------------------- ALTER

    private Stmt alter() {
        advance();
        if (acceptWord("role") || acceptWord("user") || acceptWord("group")) {
            return roleStmt(false, tokens.get(index - 1).text().equals("user"));
        }
        if (acceptWord("system")) {
            return alterSystem();
        }
        if (acceptWords("default", "privileges")) {
            return alterDefaultPrivileges();
        }
        if (isWord("function") && !isWordAt(1, "if")) {
            int save = index;
            advance();
            FunctionRef function = functionRef();
            if (acceptWords("owner", "to")) {
                return new AlterFunctionOwnerStmt(function, colLabel());
            }
            index = save;
        }
        if (acceptWord("database")) {
            String name = colId();
            if (acceptWord("rename")) {
                expectWord("to");
                return new AlterDatabaseStmt(name, colId(), null);
            }
            if (acceptWords("owner", "to")) {
                return new AlterDatabaseStmt(name, null, colLabel());
            }
            throw unsupported("this form of ALTER DATABASE");
        }
        if (acceptWord("tablespace")) {
            String name = colId();
            if (acceptWord("rename")) {
                expectWord("to");
                return new AlterTablespaceStmt(name, colId(), null, false);
            }
            if (acceptWords("owner", "to")) {
                return new AlterTablespaceStmt(name, null, colLabel(), false);
            }
            if (acceptWord("set") || acceptWord("reset")) {
                skipToEnd();
                return new AlterTablespaceStmt(name, null, null, true);
            }
            throw error();
        }
        if (acceptWord("schema")) {
            String name = colId();
            if (acceptWord("rename")) {
                expectWord("to");
                return new RenameStmt(ObjectType.SCHEMA, new RangeVar(null, name, peek().position()), null, null,
                        colId(), false);
            }
            expectWord("owner");
            expectWord("to");
            return new AlterTableStmt(ObjectType.SCHEMA, new RangeVar(null, name, peek().position()),
                    List.of(new OwnerTo(colLabel())), false);
        }
        if (acceptWord("sequence")) {
            boolean ifExists = acceptWords("if", "exists");
            RangeVar rel = rangeVarOf(qualifiedName(), peek().position());
            if (isWord("rename") || isWord("owner") || (isWord("set") && isWordAt(1, "schema"))) {
                return alterRelation(ObjectType.SEQUENCE, rel, ifExists);
            }
            return new AlterSequenceStmt(rel, sequenceOptions(), ifExists);
        }
        ObjectType type;
        if (acceptWord("table")) {
            type = ObjectType.TABLE;
        } else if (acceptWord("index")) {
            type = ObjectType.INDEX;
        } else if (acceptWord("view")) {
            type = ObjectType.VIEW;
        } else if (acceptWords("materialized", "view")) {
            type = ObjectType.MATERIALIZED_VIEW;
        } else {
            throw unsupported("ALTER " + peek().text().toUpperCase(Locale.ROOT));
        }
        if (isWord("all") && isWordAt(1, "in")) {
            throw unsupported("ALTER " + type.name().replace('_', ' ') + " ALL IN TABLESPACE");
        }
        boolean ifExists = acceptWords("if", "exists");
        acceptWord("only");
        RangeVar rel = rangeVarOf(qualifiedName(), peek().position());
        acceptOp("*");
        return alterRelation(type, rel, ifExists);
    }

    private Stmt alterSystem() {
        if (acceptWord("reset")) {
            if (isWord("all")) {
                throw new SyntaxError(SqlState.FEATURE_NOT_SUPPORTED, "ALTER SYSTEM RESET ALL is not supported",
                        peek().position());
            }
            return new AlterSystemStmt(settingName(), null);
        }
        expectWord("set");
        String name = settingName();
        if (!acceptWord("to") && !acceptOp("=")) {
            throw error();
        }
        if (acceptWord("default")) {
            return new AlterSystemStmt(name, null);
        }
        StringBuilder value = new StringBuilder(settingValue());
        while (acceptOp(",")) {
            value.append(", ").append(settingValue());
        }
        return new AlterSystemStmt(name, value.toString());
    }

    private Stmt alterRelation(ObjectType type, RangeVar rel, boolean ifExists) {
        if (acceptWord("rename")) {
            if (acceptWord("to")) {
                return new RenameStmt(type, rel, null, null, colId(), ifExists);
            }
            if (acceptWord("constraint")) {
                String old = colId();
                expectWord("to");
                return new RenameStmt(type, rel, ObjectType.CONSTRAINT, old, colId(), ifExists);
            }
            acceptWord("column");
            String old = colId();
            expectWord("to");
            return new RenameStmt(type, rel, ObjectType.COLUMN, old, colId(), ifExists);
        }
        List<AlterCmd> commands = new ArrayList<>();
        do {
            commands.add(alterCommand());
        } while (acceptOp(","));
        return new AlterTableStmt(type, rel, commands, ifExists);
    }

    private AlterCmd alterCommand() {
        if (acceptWord("add")) {
            if (isWord("constraint") || isWord("primary") || isWord("unique") || isWord("check")
                    || isWord("foreign") || isWord("exclude")) {
                return new AddConstraint(tableConstraint());
            }
            acceptWord("column");
            boolean ifNotExists = acceptWords("if", "not", "exists");
            return new AddColumn(columnDef(), ifNotExists);
        }
        if (acceptWord("drop")) {
            if (acceptWord("constraint")) {
                boolean ifExists = acceptWords("if", "exists");
                String name = colId();
                boolean cascade = acceptWord("cascade");
                acceptWord("restrict");
                return new DropConstraint(name, ifExists, cascade);
            }
            acceptWord("column");
            boolean ifExists = acceptWords("if", "exists");
            String name = colId();
            boolean cascade = acceptWord("cascade");
            acceptWord("restrict");
            return new DropColumn(name, ifExists, cascade);
        }
        if (acceptWord("alter")) {
            acceptWord("column");
            String col = colId();
            if (acceptWords("set", "default")) {
                return new AlterColumnDefault(col, defaultExpr());
            }
            if (acceptWords("drop", "default")) {
                return new AlterColumnDefault(col, null);
            }
            if (acceptWords("set", "not", "null")) {
                return new AlterColumnNotNull(col, true);
            }
            if (acceptWords("drop", "not", "null")) {
                return new AlterColumnNotNull(col, false);
            }
            if (acceptWords("drop", "expression")) {
                return new DropExpression(col, acceptWords("if", "exists"));
            }
            if (acceptWords("drop", "identity")) {
                acceptWords("if", "exists");
                return new AlterIdentity(col, '\0', true);
            }
            if (acceptWord("add")) {
                expectWord("generated");
                char identity = acceptWord("always") ? 'a' : 'd';
                if (identity == 'd') {
                    expectWord("by");
                    expectWord("default");
                }
                expectWord("as");
                expectWord("identity");
                if (peek().isOp("(")) {
                    skipParens();
                }
                return new AlterIdentity(col, identity, false);
            }
            if (acceptWords("set", "data", "type") || acceptWord("type")) {
                TypeName type = typeName();
                if (acceptWord("collate")) {
                    Collations.check(qualifiedName(), 0);
                }
                Expr using = acceptWord("using") ? expr() : null;
                return new AlterColumnType(col, type, using);
            }
            if (isWord("set")) {
                throw unsupported("ALTER COLUMN SET " + peekAt(1).text().toUpperCase(Locale.ROOT));
            }
            throw error();
        }
        if (acceptWords("owner", "to")) {
            return new OwnerTo(colLabel());
        }
        if (acceptWords("set", "schema")) {
            return new SetSchema(colId());
        }
        if (acceptWords("set", "logged")) {
            return new SetLogged(true);
        }
        if (acceptWords("set", "unlogged")) {
            return new SetLogged(false);
        }
        if (acceptWords("set", "tablespace")) {
            return new SetTablespace(colId());
        }
        if (acceptWords("cluster", "on")) {
            return new ClusterOn(colId());
        }
        if (acceptWords("set", "without", "cluster")) {
            return new ClusterOn(null);
        }
        if (isWord("set") || isWord("reset")) {
            throw unsupported("ALTER TABLE " + peek().text().toUpperCase(Locale.ROOT) + " (storage parameters)");
        }
        throw error();
    }

    private RoleStmt roleStmt(boolean create, boolean isUser) {
        String name = colLabel();
        if (!create && acceptWord("rename")) {
            expectWord("to");
            return new RoleStmt(false, isUser, name, List.of(), colLabel());
        }
        if (!create && (isWord("set") || isWord("reset") || isWord("in"))) {
            throw unsupported("ALTER ROLE ... SET");
        }
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
                    options.add(new RoleOption("connlimit", (int) integerConst()));
                }
                case "encrypted", "unencrypted", "password" -> {
                    if (!word.equals("password")) {
                        expectWord("password");
                    }
                    if (acceptWord("null")) {
                        options.add(new RoleOption("password", null));
                    } else {
                        options.add(new RoleOption("password", stringConst()));
                    }
                }
                case "valid" -> {
                    expectWord("until");
                    options.add(new RoleOption("validuntil", stringConst()));
                }
                case "in", "role", "admin", "user", "sysid" -> {
                    if (word.equals("in")) {
                        expectWord("role");
                    }
                    options.add(new RoleOption(word.equals("in") ? "inrole" : word, nameList()));
                }
                default -> throw SyntaxError.atOrNear(tokens.get(index - 1));
            }
        }
        return new RoleStmt(create, isUser, name, options, null);
    }
}
