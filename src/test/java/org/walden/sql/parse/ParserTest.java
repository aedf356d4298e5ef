package org.walden.sql.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.sql.parse.Tree.*;

/** The lexer and parser on their own: tokens, statement splitting, raw trees, syntax errors with positions. */
class ParserTest {

    @Test
    void lexerFollowsPostgresRules() {
        List<Token> t = Lexer.tokenize("SELECT \"MixedCase\", Foo, 'it''s', E'a\\nb', $12, 1.5e3, x::int -- c\n /* a /* b */ */ ;");
        assertThat(t.get(0)).extracting(Token::text).isEqualTo("select");
        assertThat(t.get(1).text()).isEqualTo("MixedCase");
        assertThat(t.get(1).quoted()).isTrue();
        assertThat(t.get(3).text()).isEqualTo("foo");
        assertThat(t.get(5).text()).isEqualTo("it's");
        assertThat(t.get(7).text()).isEqualTo("a\nb");
        assertThat(t.get(9).kind()).isEqualTo(Token.Kind.PARAM);
        assertThat(t.get(9).text()).isEqualTo("12");
        assertThat(t.get(11).kind()).isEqualTo(Token.Kind.DECIMAL);
        assertThat(t.get(14).text()).isEqualTo("::");
        assertThat(t.get(16).text()).isEqualTo(";");
        assertThat(t.get(17).kind()).isEqualTo(Token.Kind.EOF);
    }

    @Test
    void splitsStatementsOutsideStrings() {
        assertThat(Lexer.splitStatements("select ';'; select 2;  ;")).containsExactly("select ';'", " select 2");
        assertThat(Lexer.splitStatements("  -- nothing\n")).isEmpty();
    }

    @Test
    void parsesPgbenchStatements() {
        CreateTableStmt ct = (CreateTableStmt) SqlParser.parse("create table pgbench_tellers(tid int not null,bid int,"
                + "tbalance int,filler char(84)) with (fillfactor=100)");
        assertThat(ct.relation().name()).isEqualTo("pgbench_tellers");
        assertThat(ct.columns()).hasSize(4);
        assertThat(ct.columns().get(0).constraints().get(0).type()).isEqualTo(ConstraintType.NOT_NULL);
        assertThat(ct.columns().get(3).type().name()).isEqualTo("bpchar");

        UpdateStmt u = (UpdateStmt) SqlParser.parse("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
        assertThat(u.set().get(0).value()).isInstanceOf(AExpr.class);
        assertThat(((AExpr) u.where()).right()).isEqualTo(new ParamRef(2, 66));

        InsertStmt i = (InsertStmt) SqlParser.parse("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                + "VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)");
        assertThat(i.columns()).containsExactly("tid", "bid", "aid", "delta", "mtime");
        assertThat(i.select().values().get(0).get(4)).isInstanceOf(FuncCall.class);

        DropStmt d = (DropStmt) SqlParser.parse("drop table if exists pgbench_accounts, pgbench_branches");
        assertThat(d.ifExists()).isTrue();
        assertThat(d.names()).containsExactly(List.of("pgbench_accounts"), List.of("pgbench_branches"));
        assertThat(((TransactionStmt) SqlParser.parse("END")).kind()).isEqualTo(TxKind.COMMIT);
        assertThat(((TransactionStmt) SqlParser.parse("start transaction isolation level read committed")).kind())
                .isEqualTo(TxKind.BEGIN);
    }

    @Test
    void parsesQueriesWithJoinsSubqueriesAndWindows() {
        SelectStmt s = (SelectStmt) SqlParser.parse("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                + "WHERE n < 3) SELECT DISTINCT ON (a.x) a.x, count(*) OVER (PARTITION BY a.y ORDER BY b.z ROWS "
                + "BETWEEN 1 PRECEDING AND CURRENT ROW) FROM a LEFT JOIN b USING (x) CROSS JOIN LATERAL "
                + "(SELECT 1) c WHERE a.x IN (SELECT x FROM r) AND EXISTS (SELECT 1) ORDER BY a.x NULLS FIRST "
                + "LIMIT 10 OFFSET 5");
        assertThat(s.with().recursive()).isTrue();
        assertThat(s.distinct()).hasSize(1);
        assertThat(((FuncCall) s.targets().get(1).value()).over().frame().mode()).isEqualTo(FrameMode.ROWS);
        assertThat(s.from().get(0)).isInstanceOf(JoinExpr.class);
        assertThat(((JoinExpr) s.from().get(0)).type()).isEqualTo(JoinType.CROSS);
        assertThat(s.sort().get(0).nullsFirst()).isTrue();
        SelectStmt u = (SelectStmt) SqlParser.parse("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL SELECT 4");
        assertThat(u.op()).isEqualTo(SetOp.EXCEPT);
        assertThat(u.all()).isTrue();
    }

    @Test
    void precedenceOfArithmetic() {
        AExpr b = (AExpr) SqlParser.parseExpression("1 + 2 * 3 - -4");
        assertThat(b.name()).isEqualTo("-");
        assertThat(((AExpr) b.left()).right()).isInstanceOf(AExpr.class);
        BoolExpr c = (BoolExpr) SqlParser.parseExpression("'a' || 'b' = 'ab' or x between 1 and 2");
        assertThat(c.op()).isEqualTo(BoolOp.OR);
        assertThat(((AExpr) c.args().get(0)).name()).isEqualTo("=");
        AExpr op = (AExpr) SqlParser.parseExpression("n.nspname OPERATOR(pg_catalog.!~) '^pg_'");
        assertThat(op.name()).isEqualTo("pg_catalog.!~");
    }

    @Test
    void parsesRoleStatements() {
        RoleStmt r = (RoleStmt) SqlParser.parse("CREATE USER repuser WITH REPLICATION LOGIN CONNECTION LIMIT 5 "
                + "ENCRYPTED PASSWORD 'secret' VALID UNTIL 'infinity'");
        assertThat(r.create()).isTrue();
        assertThat(r.options()).contains(new RoleOption("replication", true), new RoleOption("connlimit", 5),
                new RoleOption("password", "secret"));
        RoleStmt a = (RoleStmt) SqlParser.parse("ALTER USER repuser PASSWORD 'SCRAM-SHA-256$4096:abc'");
        assertThat(a.create()).isFalse();
        assertThat(SqlParser.parse("drop role if exists a, b")).isEqualTo(new DropRoleStmt(List.of("a", "b"), true));
    }

    @Test
    void parsesSetAndShow() {
        assertThat(SqlParser.parse("SET application_name = 'PostgreSQL JDBC Driver'"))
                .isEqualTo(new VariableSetStmt("application_name", "PostgreSQL JDBC Driver", false, false));
        assertThat(SqlParser.parse("set local synchronous_commit to off"))
                .isEqualTo(new VariableSetStmt("synchronous_commit", "off", true, false));
        assertThat(SqlParser.parse("SHOW ALL")).isEqualTo(new VariableShowStmt("all"));
        assertThat(SqlParser.parse("show time zone")).isEqualTo(new VariableShowStmt("timezone"));
        assertThat(SqlParser.parse("RESET ALL")).isEqualTo(new VariableSetStmt("all", null, false, true));
    }

    @Test
    void syntaxErrorsNameTheToken() {
        assertThatThrownBy(() -> SqlParser.parse("SELEC 1"))
                .isInstanceOf(SyntaxError.class)
                .hasMessage("syntax error at or near \"selec\"")
                .satisfies(e -> assertThat(((SyntaxError) e).position()).isEqualTo(1));
        assertThatThrownBy(() -> SqlParser.parse("select 1 +"))
                .hasMessage("syntax error at end of input");
        assertThatThrownBy(() -> SqlParser.parse("select 'abc"))
                .hasMessageStartingWith("unterminated quoted string");
        // found by ProtocolFuzzTest: a \U escape of non-hex digits was a NumberFormatException
        assertThatThrownBy(() -> SqlParser.parse("select E'\\UPDATE pg'")).isInstanceOf(SyntaxError.class)
                .hasMessage("invalid Unicode escape");
        assertThatThrownBy(() -> SqlParser.parse("select E'\\U00110000'")).isInstanceOf(SyntaxError.class)
                .hasMessage("invalid Unicode escape value");
    }
}
