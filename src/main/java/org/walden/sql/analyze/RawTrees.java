package org.walden.sql.analyze;

import org.walden.sql.parse.Tree;

/** Questions about raw parse trees asked before analysis. */
final class RawTrees {

    private RawTrees() {
    }

    /** True when the query names {@code name} (unqualified) in a FROM clause, at any depth of FROM. */
    static boolean refersTo(Tree.SelectStmt s, String name) {
        if (s == null) {
            return false;
        }
        if (s.isSetOperation()) {
            return refersTo(s.left(), name) || refersTo(s.right(), name);
        }
        if (s.from() != null) {
            for (Tree.FromItem f : s.from()) {
                if (refersTo(f, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean refersTo(Tree.FromItem f, String name) {
        return switch (f) {
            case Tree.RangeVar r -> r.schema() == null && r.name().equals(name);
            case Tree.RangeSubselect s -> refersTo(s.subquery(), name);
            case Tree.RangeFunction fn -> false;
            case Tree.JoinExpr j -> refersTo(j.left(), name) || refersTo(j.right(), name);
        };
    }
}
