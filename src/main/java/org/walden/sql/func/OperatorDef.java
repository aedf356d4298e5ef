package org.walden.sql.func;

import org.walden.sql.types.PgType;

/**
 * A built-in operator (a pg_operator row): name, operand types ({@code left} null for a prefix
 * operator), result, the function that computes it, its commutator and negator names, whether a
 * hash join or hash aggregation may use it ({@code hashable}: an equality whose equal values
 * hash alike), and its B-tree strategy (1 &lt;, 2 &lt;=, 3 =, 4 &gt;=, 5 &gt;; 0 none), which lets
 * index scans and merge joins use it.
 */
public record OperatorDef(int oid, String name, PgType left, PgType right, PgType result, FunctionDef function,
                          String commutator, String negator, boolean hashable, int btreeStrategy) {

    public boolean isPrefix() {
        return left == null;
    }

    public boolean isEquality() {
        return btreeStrategy == 3;
    }

    /** The signature as error messages print it: integer = text. */
    public String signature() {
        return (left == null ? "" : left.formatType(-1) + " ") + name + " " + right.formatType(-1);
    }
}
