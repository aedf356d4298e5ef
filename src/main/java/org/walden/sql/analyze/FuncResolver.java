package org.walden.sql.analyze;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.types.PgType;

/**
 * Chooses among a function's or an operator's overloads as PostgreSQL's func_select_candidate
 * does ("Type Conversion" in its documentation): an exact match (an unknown operand counting as
 * the other operand's type), else the candidates every argument can reach by implicit casts,
 * narrowed by the most exact matches, then by preferred types, then by the categories unknown
 * literals can take (string first), then by assuming unknowns are the known arguments' type.
 * Polymorphic parameters (anyelement, anyarray, ...) bind to the actual types consistently.
 */
final class FuncResolver {

    /** One candidate with its parameter list expanded to the call's arity (variadic and defaults applied). */
    record Candidate(FunctionDef function, OperatorDef operator, List<PgType> params, boolean variadicExpanded) {
    }

    /** The outcome: the chosen candidate, or none (null with {@code ambiguous} false), or ambiguous. */
    record Choice(Candidate chosen, boolean ambiguous) {
    }

    private FuncResolver() {
    }

    /** The candidates of a function name for {@code nargs} arguments. */
    static List<Candidate> functionCandidates(List<FunctionDef> defs, int nargs, boolean variadicCall) {
        List<Candidate> out = new ArrayList<>();
        for (FunctionDef f : defs) {
            int n = f.args.size();
            if (f.variadic == null) {
                if (!variadicCall && nargs <= n && nargs >= n - f.defaults) {
                    out.add(new Candidate(f, null, f.args.subList(0, nargs), false));
                }
            } else if (variadicCall) {
                if (nargs == n) {
                    out.add(new Candidate(f, null, f.args, false));
                }
            } else if (nargs >= n) {
                List<PgType> params = new ArrayList<>(f.args.subList(0, n - 1));
                for (int i = n - 1; i < nargs; i++) {
                    params.add(f.variadic);
                }
                out.add(new Candidate(f, null, params, true));
            }
        }
        return out;
    }

    static List<Candidate> operatorCandidates(List<OperatorDef> ops, boolean prefix) {
        List<Candidate> out = new ArrayList<>();
        for (OperatorDef o : ops) {
            if (o.isPrefix() == prefix) {
                out.add(new Candidate(null, o, prefix ? List.of(o.right()) : List.of(o.left(), o.right()), false));
            }
        }
        return out;
    }

    static Choice choose(List<Candidate> candidates, List<PgType> args) {
        // exact match, an unknown operand of a binary operator taken as the other operand's type
        List<PgType> probe = new ArrayList<>(args);
        if (args.size() == 2 && candidates.stream().anyMatch(c -> c.operator() != null)) {
            if (args.get(0) == PgType.UNKNOWN && args.get(1) != PgType.UNKNOWN) {
                probe.set(0, args.get(1));
            } else if (args.get(1) == PgType.UNKNOWN && args.get(0) != PgType.UNKNOWN) {
                probe.set(1, args.get(0));
            }
        }
        for (Candidate c : candidates) {
            if (c.params().equals(probe) && !probe.contains(PgType.UNKNOWN)) {
                return new Choice(c, false);
            }
        }
        // candidates every argument can reach implicitly
        List<Candidate> viable = new ArrayList<>();
        for (Candidate c : candidates) {
            if (coercible(args, c.params())) {
                viable.add(c);
            }
        }
        if (viable.isEmpty()) {
            return new Choice(null, false);
        }
        if (viable.size() == 1) {
            return new Choice(viable.get(0), false);
        }
        viable = keepMost(viable, c -> exactMatches(args, c.params()));
        if (viable.size() == 1) {
            return new Choice(viable.get(0), false);
        }
        viable = keepMost(viable, c -> preferredMatches(args, c.params()));
        if (viable.size() == 1) {
            return new Choice(viable.get(0), false);
        }
        if (args.contains(PgType.UNKNOWN)) {
            viable = byUnknownCategories(viable, args);
            if (viable.size() == 1) {
                return new Choice(viable.get(0), false);
            }
            Candidate assumed = assumeKnownType(viable, args);
            if (assumed != null) {
                return new Choice(assumed, false);
            }
        }
        return new Choice(null, true);
    }

    private static boolean coercible(List<PgType> args, List<PgType> params) {
        PgType element = null;
        for (int i = 0; i < args.size(); i++) {
            PgType a = args.get(i);
            PgType p = params.get(i);
            if (!Coercion.canCoerce(a, p, Coercion.Context.IMPLICIT)) {
                return false;
            }
            if (a != PgType.UNKNOWN && (p == PgType.ANYELEMENT || p == PgType.ANYNONARRAY || p == PgType.ANYARRAY)) {
                PgType e = p == PgType.ANYARRAY ? a.elementType() : a;
                if (element != null && e != element) {
                    return false; // polymorphic arguments must agree
                }
                element = e;
            }
        }
        return true;
    }

    private interface Score {
        int of(Candidate c);
    }

    private static List<Candidate> keepMost(List<Candidate> cands, Score score) {
        int best = -1;
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : cands) {
            int s = score.of(c);
            if (s > best) {
                best = s;
                out.clear();
            }
            if (s == best) {
                out.add(c);
            }
        }
        return out;
    }

    private static int exactMatches(List<PgType> args, List<PgType> params) {
        int n = 0;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) == params.get(i)) {
                n++;
            }
        }
        return n;
    }

    private static int preferredMatches(List<PgType> args, List<PgType> params) {
        int n = 0;
        for (int i = 0; i < args.size(); i++) {
            PgType a = args.get(i);
            PgType p = params.get(i);
            if (a != p && a != PgType.UNKNOWN && p.preferred && p.category == a.category) {
                n++;
            }
        }
        return n;
    }

    /** At each unknown position, the string category if any candidate takes it, else the one category all take. */
    private static List<Candidate> byUnknownCategories(List<Candidate> cands, List<PgType> args) {
        List<Candidate> current = cands;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) != PgType.UNKNOWN) {
                continue;
            }
            final int pos = i;
            Character category = null;
            boolean conflict = false;
            boolean stringSeen = false;
            for (Candidate c : current) {
                char cat = c.params().get(pos).category;
                stringSeen |= cat == 'S';
                if (category == null) {
                    category = cat;
                } else if (category != cat) {
                    conflict = true;
                }
            }
            char chosen;
            if (stringSeen) {
                chosen = 'S';
            } else if (!conflict && category != null) {
                chosen = category;
            } else {
                return current;
            }
            List<Candidate> kept = new ArrayList<>();
            for (Candidate c : current) {
                if (c.params().get(pos).category == chosen) {
                    kept.add(c);
                }
            }
            boolean anyPreferred = kept.stream().anyMatch(c -> c.params().get(pos).preferred);
            if (anyPreferred) {
                kept.removeIf(c -> !c.params().get(pos).preferred);
            }
            if (!kept.isEmpty()) {
                current = kept;
            }
        }
        return current;
    }

    /** With unknown and known arguments where the known ones share a type: the one candidate taking it everywhere. */
    private static Candidate assumeKnownType(List<Candidate> cands, List<PgType> args) {
        PgType known = null;
        for (PgType a : args) {
            if (a != PgType.UNKNOWN) {
                if (known != null && known != a) {
                    return null;
                }
                known = a;
            }
        }
        if (known == null) {
            return null;
        }
        List<Candidate> ok = new ArrayList<>();
        for (Candidate c : cands) {
            boolean all = true;
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i) == PgType.UNKNOWN && !Coercion.canCoerce(known, c.params().get(i),
                        Coercion.Context.IMPLICIT)) {
                    all = false;
                }
            }
            if (all) {
                ok.add(c);
            }
        }
        return ok.size() == 1 ? ok.get(0) : null;
    }

    /**
     * Binds polymorphic parameters to the actual argument types: returns the parameter types to
     * coerce the arguments to, and as the last element the result type.
     */
    static List<PgType> bindPolymorphic(List<PgType> params, List<PgType> args, PgType result, String what) {
        PgType element = null;
        List<PgType> compatible = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            PgType p = params.get(i);
            PgType a = args.get(i);
            if (a == PgType.UNKNOWN) {
                continue;
            }
            switch (p) {
                case ANYELEMENT, ANYNONARRAY -> element = element == null ? a : element;
                case ANYARRAY -> element = element == null ? a.elementType() : element;
                case ANYCOMPATIBLE -> compatible.add(a);
                case ANYCOMPATIBLEARRAY -> compatible.add(a.elementType());
                default -> {
                }
            }
        }
        if (!compatible.isEmpty()) {
            List<Expr> fake = new ArrayList<>();
            for (PgType t : compatible) {
                fake.add(new Expr.Const(t, null));
            }
            PgType common = Coercion.commonType(fake, what, 0);
            element = element == null ? common : element;
        }
        if (element == null) {
            element = PgType.TEXT;
        }
        List<PgType> out = new ArrayList<>(params.size() + 1);
        for (PgType p : params) {
            out.add(bind(p, element));
        }
        out.add(bind(result, element));
        return out;
    }

    private static PgType bind(PgType p, PgType element) {
        return switch (p) {
            case ANYELEMENT, ANYNONARRAY, ANYCOMPATIBLE -> element;
            case ANYARRAY, ANYCOMPATIBLEARRAY -> element.arrayType() != null ? element.arrayType() : PgType.TEXT_ARRAY;
            default -> p;
        };
    }
}
