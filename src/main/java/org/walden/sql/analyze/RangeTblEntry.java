package org.walden.sql.analyze;

import java.util.List;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * An entry of a query's range table: something FROM can name. Each knows its visible name
 * ({@code alias}), its column names and types.
 */
public sealed interface RangeTblEntry permits RangeTblEntry.RelationRte, RangeTblEntry.SubqueryRte,
        RangeTblEntry.JoinRte, RangeTblEntry.FunctionRte, RangeTblEntry.ValuesRte, RangeTblEntry.CteRte {

    String alias();

    List<String> columnNames();

    PgType columnType(int attno);

    int columnTypmod(int attno);

    boolean lateral();

    /**
     * A stored table or a system relation; {@code viaView} when it came from expanding a view
     * (privileges are the view's). Views themselves become subqueries.
     */
    record RelationRte(Relation relation, String alias, List<String> columnNames, boolean viaView, boolean forUpdate)
            implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return attno == Expr.ROW_KEY || attno == Expr.ROW_RAW ? PgType.BYTEA : relation.column(attno - 1).type();
        }

        @Override
        public int columnTypmod(int attno) {
            return attno < 1 ? -1 : relation.column(attno - 1).typmod();
        }

        @Override
        public boolean lateral() {
            return false;
        }
    }

    /** A subquery in FROM, a view's query ({@code view} set), or an operand of a set operation. */
    record SubqueryRte(Query subquery, String alias, List<String> columnNames, boolean lateral, Relation view)
            implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return subquery.visibleTargets().get(attno - 1).expr().type();
        }

        @Override
        public int columnTypmod(int attno) {
            return subquery.visibleTargets().get(attno - 1).expr().typmod();
        }
    }

    /**
     * A join's output columns, for names that refer to the join (its alias, or a USING column):
     * {@code aliasVars} gives each column as an expression over the joined entries (a Var, or
     * COALESCE of two for a FULL JOIN's merged USING column); {@code using} the USING (or NATURAL)
     * columns, null for ON and CROSS, for printing the join back.
     */
    record JoinRte(Tree.JoinType joinType, String alias, List<String> columnNames, List<Expr> aliasVars,
                   List<String> using, boolean natural) implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return aliasVars.get(attno - 1).type();
        }

        @Override
        public int columnTypmod(int attno) {
            return aliasVars.get(attno - 1).typmod();
        }

        @Override
        public boolean lateral() {
            return false;
        }
    }

    /**
     * A function in FROM: the call (a set-returning function, or any other expression as one row),
     * its column names and types, and WITH ORDINALITY.
     */
    record FunctionRte(Expr call, String alias, List<String> columnNames, List<PgType> columnTypes,
                       boolean ordinality, boolean lateral) implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return columnTypes.get(attno - 1);
        }

        @Override
        public int columnTypmod(int attno) {
            return -1;
        }
    }

    /** VALUES (...), (...) in FROM or as an INSERT source. */
    record ValuesRte(List<List<Expr>> rows, String alias, List<String> columnNames, List<PgType> columnTypes,
                     List<Integer> columnTypmods, boolean lateral) implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return columnTypes.get(attno - 1);
        }

        @Override
        public int columnTypmod(int attno) {
            return columnTypmods.get(attno - 1);
        }
    }

    /**
     * A reference to a CTE of the query {@code levelsUp} levels out; {@code selfReference} for the
     * recursive term's reference to its own CTE (the working table).
     */
    record CteRte(String cteName, int levelsUp, boolean selfReference, String alias, List<String> columnNames,
                  List<PgType> columnTypes, List<Integer> columnTypmods) implements RangeTblEntry {
        @Override
        public PgType columnType(int attno) {
            return columnTypes.get(attno - 1);
        }

        @Override
        public int columnTypmod(int attno) {
            return columnTypmods.get(attno - 1);
        }

        @Override
        public boolean lateral() {
            return false;
        }
    }
}
