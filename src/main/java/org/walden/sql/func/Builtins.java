package org.walden.sql.func;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.walden.sql.types.PgType;

/**
 * The registry of built-in functions, operators and aggregates, filled once from the families
 * ({@link MathFunctions}, {@link StringFunctions}, ...). Functions get OIDs from 10000 up in the
 * order they are registered (a few keep PostgreSQL's, which clients compare against); operators
 * from 15000 up. Immutable after construction; shared by every session.
 */
public final class Builtins {

    private static final int FIRST_FUNCTION_OID = 10000;
    private static final int FIRST_OPERATOR_OID = 15000;

    private static final Builtins INSTANCE = new Builtins();

    private final Map<String, List<FunctionDef>> functions = new HashMap<>();
    private final Map<Integer, FunctionDef> functionsByOid = new HashMap<>();
    private final List<FunctionDef> allFunctions = new ArrayList<>();
    private final Map<String, List<OperatorDef>> operators = new HashMap<>();
    private final Map<Integer, OperatorDef> operatorsByOid = new HashMap<>();
    private final List<OperatorDef> allOperators = new ArrayList<>();
    private int nextFunctionOid = FIRST_FUNCTION_OID;
    private int nextOperatorOid = FIRST_OPERATOR_OID;

    private Builtins() {
        Operators.register(this);
        MathFunctions.register(this);
        StringFunctions.register(this);
        DateTimeFunctions.register(this);
        ArrayFunctions.register(this);
        JsonFunctions.register(this);
        Aggregates.register(this);
        SystemFunctions.register(this);
        CatalogFunctions.register(this);
        ServerControlFunctions.register(this);
        TypeIoFunctions.register(this);
        AdvisoryLockFunctions.register(this);
        OrderedSetAggregates.register(this);
        AdminFunctions.register(this);
        NetworkFunctions.register(this);
    }

    /** True when {@code name} is already registered in the registry being built (during construction). */
    static boolean isRegistering(Builtins r, String name) {
        return r.functions.containsKey(name);
    }

    /** The overloads of a function name (lower case), empty when none. */
    public static List<FunctionDef> functions(String name) {
        return INSTANCE.functions.getOrDefault(name, List.of());
    }

    public static FunctionDef function(int oid) {
        return INSTANCE.functionsByOid.get(oid);
    }

    /** Every built-in function, in OID order. */
    public static List<FunctionDef> allFunctions() {
        return Collections.unmodifiableList(INSTANCE.allFunctions);
    }

    /** The overloads of an operator name (prefix and infix). */
    public static List<OperatorDef> operators(String name) {
        return INSTANCE.operators.getOrDefault(name, List.of());
    }

    public static OperatorDef operator(int oid) {
        return INSTANCE.operatorsByOid.get(oid);
    }

    public static Collection<OperatorDef> allOperators() {
        return Collections.unmodifiableList(INSTANCE.allOperators);
    }

    /** The operator {@code name} taking exactly these types, or null. */
    public static OperatorDef operator(String name, PgType left, PgType right) {
        for (OperatorDef o : operators(name)) {
            if (o.left() == left && o.right() == right) {
                return o;
            }
        }
        return null;
    }

    /** The function {@code name} taking exactly these types, or null. */
    public static FunctionDef function(String name, PgType... args) {
        for (FunctionDef f : functions(name)) {
            if (f.args.equals(Arrays.asList(args))) {
                return f;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- registration

    void add(FunctionDef f) {
        functions.computeIfAbsent(f.name, k -> new ArrayList<>()).add(f);
        functionsByOid.put(f.oid, f);
        allFunctions.add(f);
    }

    int nextFunctionOid() {
        return nextFunctionOid++;
    }

    void addOperator(String name, PgType left, PgType right, PgType result, FunctionDef function, String commutator,
                     String negator, boolean hashable, int btree) {
        OperatorDef o = new OperatorDef(nextOperatorOid++, name, left, right, result, function, commutator, negator,
                hashable, btree);
        operators.computeIfAbsent(name, k -> new ArrayList<>()).add(o);
        operatorsByOid.put(o.oid(), o);
        allOperators.add(o);
    }

    /** Starts a function definition: {@code f("lower", TEXT, TEXT).impl(a -> ...)}. */
    Def f(String name, PgType result, PgType... args) {
        return new Def(name, result, args);
    }

    /** A function definition being built; {@code impl}, {@code ctx}, {@code typed}, {@code srf} or {@code agg} ends it. */
    final class Def {
        private final String name;
        private final PgType result;
        private final PgType[] args;
        private PgType variadic;
        private int defaults;
        private boolean strict = true;
        private char volatility = 'i';
        private char kind = 'f';
        private List<String> outNames;
        private List<PgType> outTypes;
        private List<String> argNames;
        private int oid;
        private List<Object> defaultValues;

        Def(String name, PgType result, PgType[] args) {
            this.name = name;
            this.result = result;
            this.args = args;
        }

        Def stable() {
            volatility = 's';
            return this;
        }

        Def volatile_() {
            volatility = 'v';
            return this;
        }

        Def nonStrict() {
            strict = false;
            return this;
        }

        /** The last parameter is VARIADIC {@code element}[] (or VARIADIC "any"). */
        Def variadic(PgType element) {
            variadic = element;
            return this;
        }

        Def defaults(int n) {
            defaults = n;
            return this;
        }

        /** The trailing parameters' default values (their count is the number of defaults). */
        Def defaultValues(Object... values) {
            defaults = values.length;
            defaultValues = java.util.Arrays.asList(values);
            return this;
        }

        Def window() {
            kind = 'w';
            return this;
        }

        Def oid(int fixedOid) {
            oid = fixedOid;
            return this;
        }

        Def argNames(String... names) {
            argNames = List.of(names);
            return this;
        }

        /** Returns a set of records with these columns: out("name", TEXT, "lsn", PG_LSN). */
        Def out(Object... namesAndTypes) {
            List<String> names = new ArrayList<>();
            List<PgType> types = new ArrayList<>();
            for (int i = 0; i < namesAndTypes.length; i += 2) {
                names.add((String) namesAndTypes[i]);
                types.add((PgType) namesAndTypes[i + 1]);
            }
            outNames = List.copyOf(names);
            outTypes = List.copyOf(types);
            return this;
        }

        private FunctionDef build(FunctionDef.Binder binder, FunctionDef.SetImpl setImpl,
                                  FunctionDef.AggregateImpl aggregate, boolean retset) {
            int id = oid != 0 ? oid : nextFunctionOid();
            FunctionDef fd = new FunctionDef(id, name, Arrays.asList(args), result, variadic, defaults, strict,
                    volatility, aggregate != null ? 'a' : kind, retset, outNames, outTypes, argNames, binder, setImpl,
                    aggregate, defaultValues);
            add(fd);
            return fd;
        }

        /** A function of its arguments alone. */
        FunctionDef impl(Function<Object[], Object> fn) {
            return build((types, res) -> (ctx, a) -> fn.apply(a), null, null, false);
        }

        /** A function of the session and its arguments. */
        FunctionDef ctx(BiFunction<FnContext, Object[], Object> fn) {
            return build((types, res) -> fn::apply, null, null, false);
        }

        /** A function whose implementation depends on the resolved argument and result types. */
        FunctionDef typed(FunctionDef.Binder binder) {
            return build(binder, null, null, false);
        }

        /** A set-returning function. */
        FunctionDef srf(FunctionDef.SetImpl impl) {
            return build(null, impl, null, true);
        }

        /** A set-returning function of its arguments alone, as a list of single values. */
        FunctionDef values(Function<Object[], Iterator<Object>> fn) {
            return build(null, (ctx, a, t) -> {
                Iterator<Object> it = fn.apply(a);
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Object[] next() {
                        return new Object[] {it.next()};
                    }
                };
            }, null, true);
        }

        /** An aggregate. */
        FunctionDef agg(FunctionDef.AggregateImpl impl) {
            return build(null, null, impl, false);
        }

        /** A window function (computed by the executor by name). */
        FunctionDef win() {
            kind = 'w';
            strict = false;
            return build(null, null, null, false);
        }
    }
}
