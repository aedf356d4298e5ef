package org.walden.sql.analyze;

import java.util.List;
import org.walden.sql.parse.Tree;

/** A query's join tree: FROM items as references to range table entries and joins of them, with their quals. */
public final class JoinTree {

    private JoinTree() {
    }

    /** A node of the join tree. */
    public sealed interface Node permits RangeRef, Join, FromExpr {
    }

    /** A reference to range table entry {@code rtIndex}. */
    public record RangeRef(int rtIndex) implements Node {
    }

    /**
     * An explicit join: {@code rtIndex} is its JoinRte; {@code quals} ON (or the USING / NATURAL
     * equalities), null for CROSS JOIN.
     */
    public record Join(Tree.JoinType type, Node left, Node right, Expr quals, int rtIndex) implements Node {
    }

    /** A FROM list (comma-separated items, an inner join of them) and the WHERE quals. */
    public record FromExpr(List<Node> items, Expr quals) implements Node {
    }
}
