package org.walden.sql.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.sql.parse.Ast.*;

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
        CreateTable ct = (CreateTable) Parser.parse("create table pgbench_tellers(tid int not null,bid int,"
                + "tbalance int,filler char(84)) with (fillfactor=100)");
        assertThat(ct.name()).isEqualTo("pgbench_tellers");
        assertThat(ct.columns()).hasSize(4);
        assertThat(ct.columns().get(0).notNull()).isTrue();
        assertThat(ct.columns().get(3).type()).isEqualTo(new TypeName("bpchar", List.of(84), ct.columns().get(3).type().position()));

        Update u = (Update) Parser.parse("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
        assertThat(u.assignments().get(0).value()).isInstanceOf(Binary.class);
        assertThat(((Binary) u.where()).right()).isEqualTo(new Param(2, 66));

        Insert i = (Insert) Parser.parse("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
                + "VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)");
        assertThat(i.columns()).containsExactly("tid", "bid", "aid", "delta", "mtime");
        assertThat(i.rows().get(0).get(4)).isInstanceOf(FuncCall.class);

        DropTable d = (DropTable) Parser.parse("drop table if exists pgbench_accounts, pgbench_branches");
        assertThat(d.ifExists()).isTrue();
        assertThat(d.names()).containsExactly("pgbench_accounts", "pgbench_branches");
        assertThat(Parser.parse("END")).isEqualTo(new TransactionStmt(TxKind.COMMIT));
        assertThat(Parser.parse("start transaction isolation level read committed"))
                .isEqualTo(new TransactionStmt(TxKind.BEGIN));
    }

    @Test
    void parsesSelectClauses() {
        Select s = (Select) Parser.parse("SELECT DISTINCT a AS x, count(*), b::text FROM public.t WHERE a >= 1 "
                + "AND NOT b IS NULL GROUP BY a ORDER BY 1 DESC, b LIMIT 10 OFFSET 5");
        assertThat(s.distinct()).isTrue();
        assertThat(s.targets()).hasSize(3);
        assertThat(s.targets().get(0).alias()).isEqualTo("x");
        assertThat(((FuncCall) s.targets().get(1).expr()).star()).isTrue();
        assertThat(s.targets().get(2).expr()).isInstanceOf(Cast.class);
        assertThat(s.from().schema()).isEqualTo("public");
        assertThat(s.orderBy()).hasSize(2);
        assertThat(s.orderBy().get(0).descending()).isTrue();
        assertThat(s.limit()).isEqualTo(new Literal(LiteralKind.INTEGER, "10", s.limit().position()));
        Binary where = (Binary) s.where();
        assertThat(where.op()).isEqualTo("and");
        assertThat(where.right()).isInstanceOf(Unary.class);
    }

    @Test
    void precedenceOfArithmetic() {
        Binary b = (Binary) Parser.parseExpression("1 + 2 * 3 - -4");
        assertThat(b.op()).isEqualTo("-");
        assertThat(((Binary) b.left()).right()).isInstanceOf(Binary.class);
        assertThat(b.right()).isEqualTo(new Literal(LiteralKind.INTEGER, "-4", 13));
        Binary c = (Binary) Parser.parseExpression("'a' || 'b' = 'ab' or x between 1 and 2");
        assertThat(c.op()).isEqualTo("or");
        assertThat(((Binary) c.left()).op()).isEqualTo("=");
    }

    @Test
    void parsesRoleStatements() {
        RoleStmt r = (RoleStmt) Parser.parse("CREATE USER repuser WITH REPLICATION LOGIN CONNECTION LIMIT 5 "
                + "ENCRYPTED PASSWORD 'secret' VALID UNTIL 'infinity'");
        assertThat(r.create()).isTrue();
        assertThat(r.options()).contains(new RoleOption("replication", true), new RoleOption("connlimit", 5),
                new RoleOption("password", "secret"));
        RoleStmt a = (RoleStmt) Parser.parse("ALTER USER repuser PASSWORD 'SCRAM-SHA-256$4096:abc'");
        assertThat(a.create()).isFalse();
        assertThat(Parser.parse("drop role if exists a, b")).isEqualTo(new DropRole(List.of("a", "b"), true));
    }

    @Test
    void parsesSetAndShow() {
        assertThat(Parser.parse("SET application_name = 'PostgreSQL JDBC Driver'"))
                .isEqualTo(new SetStmt("application_name", "PostgreSQL JDBC Driver", false));
        assertThat(Parser.parse("set local synchronous_commit to off"))
                .isEqualTo(new SetStmt("synchronous_commit", "off", true));
        assertThat(Parser.parse("SHOW ALL")).isEqualTo(new Show("all"));
        assertThat(Parser.parse("show time zone")).isEqualTo(new Show("timezone"));
        assertThat(Parser.parse("RESET ALL")).isEqualTo(new Reset("all"));
    }

    @Test
    void syntaxErrorsNameTheToken() {
        assertThatThrownBy(() -> Parser.parse("SELEC 1"))
                .isInstanceOf(SyntaxError.class)
                .hasMessage("syntax error at or near \"selec\"")
                .satisfies(e -> assertThat(((SyntaxError) e).position()).isEqualTo(1));
        assertThatThrownBy(() -> Parser.parse("select 1 +"))
                .hasMessage("syntax error at end of input");
        assertThatThrownBy(() -> Parser.parse("select 'abc"))
                .hasMessageStartingWith("unterminated quoted string");
    }
}
