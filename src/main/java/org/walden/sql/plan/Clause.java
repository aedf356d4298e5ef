package org.walden.sql.plan;

import java.util.BitSet;
import java.util.List;
import org.walden.sql.analyze.Expr;
import org.walden.sql.exec.JoinNodes.JoinType;

/**
 * A condition of the join problem (PostgreSQL's RestrictInfo): the range table entries it
 * reads, and the ones that must be joined before it may be checked (for a condition on the
 * nullable side of an outer join, the whole outer join). {@code ownerJoin} is the outer, semi or
 * anti join whose ON condition it is.
 */
final class Clause {

    final Expr expr;
    final BitSet relids;
    final BitSet required;
    final SpecialJoin ownerJoin;

    Clause(Expr expr, BitSet relids, BitSet required, SpecialJoin ownerJoin) {
        this.expr = expr;
        this.relids = relids;
        this.required = required;
        this.ownerJoin = ownerJoin;
    }

    /** An outer, semi or anti join: its right-hand item joins only as its inner side, once its left-hand side is in. */
    static final class SpecialJoin {
        final JoinType type;
        /** Entries that must be on the outer side. */
        final BitSet lhs;
        /** The entries of the right-hand item. */
        final BitSet rhs;
        final List<Expr> quals;

        SpecialJoin(JoinType type, BitSet lhs, BitSet rhs, List<Expr> quals) {
            this.type = type;
            this.lhs = lhs;
            this.rhs = rhs;
            this.quals = quals;
        }
    }

    static boolean subset(BitSet a, BitSet b) {
        BitSet x = (BitSet) a.clone();
        x.andNot(b);
        return x.isEmpty();
    }

    static BitSet union(BitSet a, BitSet b) {
        BitSet x = (BitSet) a.clone();
        x.or(b);
        return x;
    }
}
