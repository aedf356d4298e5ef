package org.walden.sql.func;

import java.util.Iterator;
import java.util.List;
import org.walden.sql.catalog.Routine;
import org.walden.sql.types.PgType;

/**
 * A built-in function (a pg_proc row): its signature, and how to call it. Ordinary functions
 * ({@code kind} 'f') have an {@link Impl}, bound to the argument types the analyzer resolved; set
 * returning ones ({@code retset}) a {@link SetImpl}; aggregates ('a') an {@link AggregateImpl};
 * window functions ('w') are computed by the executor's WindowAgg node by name.
 *
 * <p>{@code variadic} is the element type of a VARIADIC last parameter ({@link PgType#ANY} for
 * VARIADIC "any"), null when there is none; {@code defaults} is how many trailing parameters may
 * be left out. A strict function returns NULL for any NULL argument without being called.
 */
public final class FunctionDef {

    /** A function call with its argument values (already non-null for strict functions). */
    @FunctionalInterface
    public interface Impl {
        Object call(FnContext ctx, Object[] args);
    }

    /** Makes the implementation for the argument and result types a call resolved to. */
    @FunctionalInterface
    public interface Binder {
        Impl bind(PgType[] argTypes, PgType resultType);
    }

    /** A set-returning call: its rows (one value each, or {@code outTypes.size()} for a record). */
    @FunctionalInterface
    public interface SetImpl {
        Iterator<Object[]> call(FnContext ctx, Object[] args, PgType[] argTypes);
    }

    /** An aggregate's running state over one group. */
    public interface Accumulator {
        /** One input row's arguments (NULLs already skipped for a strict aggregate). */
        void add(Object[] args);

        Object result();

        /** Roughly how much memory the state holds (for work_mem accounting). */
        default long bytes() {
            return 64;
        }
    }

    /** Makes a fresh accumulator for the resolved argument and result types. */
    @FunctionalInterface
    public interface AggregateImpl {
        Accumulator start(PgType[] argTypes, PgType resultType, FnContext ctx);
    }

    /**
     * An ordered-set aggregate (percentile_cont, percentile_disc, mode), called with WITHIN GROUP:
     * its arguments are the direct ones followed by the WITHIN GROUP sort values, and rows arrive
     * in the WITHIN GROUP order.
     */
    @FunctionalInterface
    public interface OrderedSetAggregate extends AggregateImpl {
    }

    public final int oid;
    public final String name;
    public final List<PgType> args;
    public final PgType result;
    public final PgType variadic;
    public final int defaults;
    public final boolean strict;
    /** 'i' immutable, 's' stable, 'v' volatile. */
    public final char volatility;
    /** 'f' function, 'a' aggregate, 'w' window function. */
    public final char kind;
    public final boolean retset;
    /** Column names and types of a function returning a set of records (OUT parameters). */
    public final List<String> outNames;
    public final List<PgType> outTypes;
    /** Parameter names (pg_proc.proargnames), or null. */
    public final List<String> argNames;
    /** The values of the trailing {@code defaults} parameters (proargdefaults), null when unknown. */
    public final List<Object> defaultValues;
    public final Binder binder;
    public final SetImpl setImpl;
    public final AggregateImpl aggregate;

    FunctionDef(int oid, String name, List<PgType> args, PgType result, PgType variadic, int defaults,
                boolean strict, char volatility, char kind, boolean retset, List<String> outNames,
                List<PgType> outTypes, List<String> argNames, Binder binder, SetImpl setImpl,
                AggregateImpl aggregate, List<Object> defaultValues) {
        this.oid = oid;
        this.name = name;
        this.args = List.copyOf(args);
        this.result = result;
        this.variadic = variadic;
        this.defaults = defaults;
        this.strict = strict;
        this.volatility = volatility;
        this.kind = kind;
        this.retset = retset;
        this.outNames = outNames;
        this.outTypes = outTypes;
        this.argNames = argNames;
        this.defaultValues = defaultValues;
        this.binder = binder;
        this.setImpl = setImpl;
        this.aggregate = aggregate;
    }

    /**
     * A user-defined LANGUAGE sql function as the analyzer and executor see it: its calls and
     * rows come from running its body ({@link FnContext#sqlFunctions()}). Types Walden does not
     * know read as text.
     */
    public static FunctionDef sqlFunction(Routine r) {
        List<PgType> args = new java.util.ArrayList<>();
        for (int oid : r.argTypeOids()) {
            args.add(typeOf(oid));
        }
        List<PgType> outTypes = null;
        List<String> outNames = null;
        if (!r.outNames().isEmpty()) {
            outNames = r.outNames();
            outTypes = new java.util.ArrayList<>();
            for (int oid : r.outTypeOids()) {
                outTypes.add(typeOf(oid));
            }
        }
        boolean named = r.argNames().stream().anyMatch(java.util.Objects::nonNull);
        List<String> argNames = named ? r.argNames().stream().map(n -> n == null ? "" : n).toList() : null;
        int oid = r.oid();
        Binder binder = (argTypes, resultType) -> (ctx, a) -> ctx.sqlFunctions().call(oid, a);
        SetImpl setImpl = r.retset() ? (ctx, a, t) -> ctx.sqlFunctions().rows(oid, a) : null;
        return new FunctionDef(oid, r.name(), args, typeOf(r.resultTypeOid()), null, 0, r.strict(), r.volatility(),
                'f', r.retset(), outNames, outTypes, argNames, binder, setImpl, null, null);
    }

    /**
     * GROUPING(args): a bitmask of which arguments are not grouped in the current grouping set.
     * The planner replaces each call by its value per grouping set; evaluated as an ordinary call
     * (plain GROUP BY, where every grouping expression is grouped) it is 0.
     */
    public static final FunctionDef GROUPING = new FunctionDef(0, "grouping", List.of(), PgType.INT4, null, 0, false,
            's', 'f', false, null, null, null, (argTypes, resultType) -> (ctx, a) -> 0, null, null, null);

    private static PgType typeOf(int oid) {
        PgType t = PgType.byOid(oid);
        return t == null ? PgType.TEXT : t;
    }

    public boolean isAggregate() {
        return kind == 'a';
    }

    public boolean isWindow() {
        return kind == 'w';
    }

    /** The signature as error messages and regprocedure print it: name(integer, text). */
    public String signature() {
        StringBuilder sb = new StringBuilder(name).append('(');
        for (int i = 0; i < args.size(); i++) {
            sb.append(i > 0 ? ", " : "");
            if (variadic != null && i == args.size() - 1) {
                sb.append("VARIADIC ");
            }
            sb.append(args.get(i).formatType(-1));
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return signature();
    }
}
