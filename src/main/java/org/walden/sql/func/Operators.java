package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.walden.sql.types.Casts;
import org.walden.sql.types.Interval;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;

/**
 * The built-in operators: comparisons of every ordered type (and the cross-type ones PostgreSQL
 * has: int2/int4/int8, float4/float8, name/text, date/timestamp/timestamptz), arithmetic,
 * bitwise operators, string concatenation, LIKE and regular expressions, date and time
 * arithmetic, and array containment.
 */
final class Operators {

    private static final String[] COMPARISONS = {"=", "<>", "<", "<=", ">", ">="};
    private static final String[] SUFFIX = {"eq", "ne", "lt", "le", "gt", "ge"};
    private static final String[] COMMUTATOR = {"=", "<>", ">", ">=", "<", "<="};
    private static final String[] NEGATOR = {"<>", "=", ">=", ">", "<=", "<"};
    private static final int[] STRATEGY = {3, 0, 1, 2, 5, 4};

    private Operators() {
    }

    static void register(Builtins r) {
        for (PgType t : List.of(BOOL, CHAR, NAME, INT2, INT4, INT8, TEXT, OID, FLOAT4, FLOAT8, BPCHAR, DATE, TIME,
                TIMETZ, TIMESTAMP, TIMESTAMPTZ, INTERVAL, NUMERIC, BYTEA, UUID, PG_LSN, INET, CIDR, JSONB, OIDVECTOR, TID, ANYARRAY,
                RECORD)) {
            comparisons(r, t, t);
        }
        for (PgType t : List.of(XID, CID, INT2VECTOR, ACLITEM, JSON)) {
            if (t != JSON) {
                equality(r, t);
            }
        }
        PgType[][] cross = {{INT2, INT4}, {INT4, INT2}, {INT2, INT8}, {INT8, INT2}, {INT4, INT8}, {INT8, INT4},
                {FLOAT4, FLOAT8}, {FLOAT8, FLOAT4}, {NAME, TEXT}, {TEXT, NAME}, {DATE, TIMESTAMP}, {TIMESTAMP, DATE},
                {DATE, TIMESTAMPTZ}, {TIMESTAMPTZ, DATE}, {TIMESTAMP, TIMESTAMPTZ}, {TIMESTAMPTZ, TIMESTAMP}};
        for (PgType[] pair : cross) {
            comparisons(r, pair[0], pair[1]);
        }
        arithmetic(r);
        strings(r);
        dateTime(r);
        arrays(r);
    }

    // ---------------------------------------------------------------- comparisons

    static String prefix(PgType l, PgType rt) {
        return l == rt ? l.typname : l.typname + "_" + rt.typname + "_";
    }

    private static void comparisons(Builtins r, PgType l, PgType rt) {
        boolean bpchar = l == BPCHAR || rt == BPCHAR;
        boolean zoned = l != rt && (l == TIMESTAMPTZ || rt == TIMESTAMPTZ);
        for (int i = 0; i < COMPARISONS.length; i++) {
            String op = COMPARISONS[i];
            Builtins.Def def = r.f(prefix(l, rt) + SUFFIX[i], BOOL, l, rt);
            FunctionDef f;
            if (zoned) {
                f = def.stable().ctx((c, a) -> holds(op, Values.compare(asInstant(a[0], c), asInstant(a[1], c))));
            } else if (l == JSONB && rt == JSONB) {
                f = def.impl(a -> holds(op, org.walden.sql.types.Json.compareJsonb((String) a[0], (String) a[1])));
            } else if (bpchar) {
                f = def.impl(a -> holds(op, Values.compareStrings(Values.stripTrailingSpaces((String) a[0]),
                        Values.stripTrailingSpaces((String) a[1]))));
            } else if (op.equals("=") && (l == INT4 || l == INT8 || l == INT2) && l == rt) {
                f = def.impl(a -> ((Number) a[0]).longValue() == ((Number) a[1]).longValue());
            } else {
                f = def.impl(a -> holds(op, Values.compare(a[0], a[1])));
            }
            r.addOperator(op, l, rt, BOOL, f, COMMUTATOR[i], NEGATOR[i], op.equals("="), STRATEGY[i]);
        }
    }

    private static void equality(Builtins r, PgType t) {
        FunctionDef eq = r.f(t.typname + "eq", BOOL, t, t).impl(a -> Values.compare(a[0], a[1]) == 0);
        r.addOperator("=", t, t, BOOL, eq, "=", "<>", true, 0);
        FunctionDef ne = r.f(t.typname + "ne", BOOL, t, t).impl(a -> Values.compare(a[0], a[1]) != 0);
        r.addOperator("<>", t, t, BOOL, ne, "<>", "=", false, 0);
    }

    private static Instant asInstant(Object v, FnContext c) {
        if (v instanceof Instant i) {
            return i;
        }
        return (Instant) Casts.convert(v, v instanceof LocalDate ? DATE : TIMESTAMP, TIMESTAMPTZ, c.values());
    }

    static boolean holds(String op, int cmp) {
        return switch (op) {
            case "=" -> cmp == 0;
            case "<>" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            case ">=" -> cmp >= 0;
            default -> throw new IllegalStateException(op);
        };
    }

    // ---------------------------------------------------------------- arithmetic

    private static void arithmetic(Builtins r) {
        PgType[] ints = {INT2, INT4, INT8};
        for (PgType a : ints) {
            for (PgType b : ints) {
                PgType res = Arith.arithmeticType(a, b);
                for (String op : List.of("+", "-", "*", "/", "%")) {
                    if (op.equals("%") && a != b) {
                        continue;
                    }
                    binary(r, op, a, b, res, (x, y) -> Arith.integerOp(op, res, ((Number) x).longValue(),
                            ((Number) y).longValue()));
                }
            }
            for (String op : List.of("&", "|", "#")) {
                binary(r, op, a, a, a, (x, y) -> Arith.integerOp(op, a, ((Number) x).longValue(),
                        ((Number) y).longValue()));
            }
            for (String op : List.of("<<", ">>")) {
                binary(r, op, a, INT4, a, (x, y) -> Arith.integerOp(op, a, ((Number) x).longValue(),
                        ((Number) y).longValue()));
            }
            prefixOp(r, "-", a, a, x -> Arith.negate(a, x));
            prefixOp(r, "+", a, a, x -> x);
            prefixOp(r, "@", a, a, x -> ((Number) x).longValue() < 0 ? Arith.negate(a, x) : x);
            prefixOp(r, "~", a, a, x -> Arith.integer(~((Number) x).longValue(), a));
        }
        PgType[] floats = {FLOAT4, FLOAT8};
        for (PgType a : floats) {
            for (PgType b : floats) {
                PgType res = a == b ? a : FLOAT8;
                for (String op : List.of("+", "-", "*", "/")) {
                    binary(r, op, a, b, res, (x, y) -> Arith.arithmetic(op, res, x, y));
                }
            }
            prefixOp(r, "-", a, a, x -> Arith.negate(a, x));
            prefixOp(r, "+", a, a, x -> x);
            prefixOp(r, "@", a, a, x -> a == FLOAT4 ? (Object) Math.abs((Float) x) : (Object) Math.abs((Double) x));
        }
        for (String op : List.of("+", "-", "*", "/", "%")) {
            binary(r, op, NUMERIC, NUMERIC, NUMERIC, (x, y) -> Arith.arithmetic(op, NUMERIC, x, y));
        }
        prefixOp(r, "-", NUMERIC, NUMERIC, x -> Arith.negate(NUMERIC, x));
        prefixOp(r, "+", NUMERIC, NUMERIC, x -> x);
        prefixOp(r, "@", NUMERIC, NUMERIC, x -> x instanceof org.walden.sql.types.NumericSpecial s
                ? (s.isNaN() ? s : org.walden.sql.types.NumericSpecial.POSITIVE_INFINITY) : ((java.math.BigDecimal) x).abs());
        binary(r, "^", FLOAT8, FLOAT8, FLOAT8, (x, y) -> MathFunctions.power((Double) x, (Double) y));
        binary(r, "^", NUMERIC, NUMERIC, NUMERIC, (x, y) -> MathFunctions.power((Number) x, (Number) y));
        prefixOp(r, "|/", FLOAT8, FLOAT8, x -> MathFunctions.sqrt((Double) x));
        prefixOp(r, "||/", FLOAT8, FLOAT8, x -> Math.cbrt((Double) x));
    }

    interface Fn2 {
        Object apply(Object a, Object b);
    }

    private static String opName(String op) {
        return switch (op) {
            case "+" -> "pl";
            case "-" -> "mi";
            case "*" -> "mul";
            case "/" -> "div";
            case "%" -> "mod";
            case "^" -> "pow";
            case "&" -> "and";
            case "|" -> "or";
            case "#" -> "xor";
            case "<<" -> "shl";
            case ">>" -> "shr";
            case "||" -> "cat";
            default -> "op";
        };
    }

    static FunctionDef binary(Builtins r, String op, PgType l, PgType rt, PgType res, Fn2 fn) {
        FunctionDef f = r.f(prefix(l, rt) + opName(op), res, l, rt).impl(a -> fn.apply(a[0], a[1]));
        r.addOperator(op, l, rt, res, f, op.equals("+") || op.equals("*") ? op : null, null, false, 0);
        return f;
    }

    static void prefixOp(Builtins r, String op, PgType t, PgType res, java.util.function.Function<Object, Object> fn) {
        String name = t.typname + (op.equals("-") ? "um" : op.equals("+") ? "up" : op.equals("@") ? "abs"
                : op.equals("~") ? "not" : op.equals("|/") ? "sqrt" : "cbrt");
        FunctionDef f = r.f(name, res, t).impl(a -> fn.apply(a[0]));
        r.addOperator(op, null, t, res, f, null, null, false, 0);
    }

    // ---------------------------------------------------------------- strings

    /** A value as its cast to text gives it (textanycat is $1 || $2::text: a boolean is "true"). */
    private static String asText(PgType type, Object v, FnContext c) {
        return type == BOOL ? (((Boolean) v) ? "true" : "false") : Values.toText(type, v, c.values());
    }

    private static void strings(Builtins r) {
        binary(r, "||", TEXT, TEXT, TEXT, (x, y) -> (String) x + y);
        FunctionDef textany = r.f("textanycat", TEXT, TEXT, ANYNONARRAY).typed((types, res) ->
                (c, a) -> (String) a[0] + asText(types[1], a[1], c));
        r.addOperator("||", TEXT, ANYNONARRAY, TEXT, textany, null, null, false, 0);
        FunctionDef anytext = r.f("anytextcat", TEXT, ANYNONARRAY, TEXT).typed((types, res) ->
                (c, a) -> asText(types[0], a[0], c) + a[1]);
        r.addOperator("||", ANYNONARRAY, TEXT, TEXT, anytext, null, null, false, 0);
        binary(r, "||", BYTEA, BYTEA, BYTEA, (x, y) -> {
            byte[] p = (byte[]) x;
            byte[] q = (byte[]) y;
            byte[] out = java.util.Arrays.copyOf(p, p.length + q.length);
            System.arraycopy(q, 0, out, p.length, q.length);
            return out;
        });
        for (PgType left : List.of(TEXT, NAME, BPCHAR)) {
            like(r, "~~", left, false, false);
            like(r, "!~~", left, false, true);
            like(r, "~~*", left, true, false);
            like(r, "!~~*", left, true, true);
            regex(r, "~", left, false, false);
            regex(r, "!~", left, false, true);
            regex(r, "~*", left, true, false);
            regex(r, "!~*", left, true, true);
        }
        binary(r, "^@", TEXT, TEXT, BOOL, (x, y) -> ((String) x).startsWith((String) y));
    }

    private static void like(Builtins r, String op, PgType left, boolean insensitive, boolean negated) {
        String name = left.typname + (insensitive ? "iclike" : "like") + (negated ? "_not" : "");
        FunctionDef f = r.f(name, BOOL, left, TEXT).impl(a -> {
            String s = left == BPCHAR ? Values.stripTrailingSpaces((String) a[0]) : (String) a[0];
            return Patterns.like((String) a[1], insensitive).matcher(s).matches() != negated;
        });
        r.addOperator(op, left, TEXT, BOOL, f, null, null, false, 0);
    }

    private static void regex(Builtins r, String op, PgType left, boolean insensitive, boolean negated) {
        String name = left.typname + (insensitive ? "icregexeq" : "regexeq") + (negated ? "_not" : "");
        FunctionDef f = r.f(name, BOOL, left, TEXT).impl(a -> {
            String s = left == BPCHAR ? Values.stripTrailingSpaces((String) a[0]) : (String) a[0];
            return Patterns.regex((String) a[1], insensitive).matcher(s).find() != negated;
        });
        r.addOperator(op, left, TEXT, BOOL, f, null, null, false, 0);
    }

    // ---------------------------------------------------------------- date and time

    private static void dateTime(Builtins r) {
        binary(r, "+", DATE, INT4, DATE, (x, y) -> Arith.datePlusDays((LocalDate) x, ((Number) y).longValue()));
        binary(r, "+", INT4, DATE, DATE, (x, y) -> Arith.datePlusDays((LocalDate) y, ((Number) x).longValue()));
        binary(r, "-", DATE, INT4, DATE, (x, y) -> Arith.datePlusDays((LocalDate) x, -((Number) y).longValue()));
        binary(r, "-", DATE, DATE, INT4, (x, y) -> (int) ChronoUnit.DAYS.between((LocalDate) y, (LocalDate) x));
        binary(r, "+", DATE, INTERVAL, TIMESTAMP, (x, y) -> Arith.timestampPlus(((LocalDate) x).atStartOfDay(),
                (Interval) y, 1));
        binary(r, "-", DATE, INTERVAL, TIMESTAMP, (x, y) -> Arith.timestampPlus(((LocalDate) x).atStartOfDay(),
                (Interval) y, -1));
        binary(r, "+", INTERVAL, DATE, TIMESTAMP, (x, y) -> Arith.timestampPlus(((LocalDate) y).atStartOfDay(),
                (Interval) x, 1));
        binary(r, "+", TIME, DATE, TIMESTAMP, (x, y) -> LocalDateTime.of((LocalDate) y, (LocalTime) x));
        binary(r, "+", INTERVAL, TIME, TIME, (x, y) -> Values.timeOfMicros(Math.floorMod(Values.timeMicros((LocalTime) y)
                + ((Interval) x).micros(), 86_400_000_000L)));
        binary(r, "+", DATE, TIME, TIMESTAMP, (x, y) -> LocalDateTime.of((LocalDate) x, (LocalTime) y));
        binary(r, "+", TIMESTAMP, INTERVAL, TIMESTAMP, (x, y) -> Arith.timestampPlus((LocalDateTime) x, (Interval) y, 1));
        binary(r, "+", INTERVAL, TIMESTAMP, TIMESTAMP, (x, y) -> Arith.timestampPlus((LocalDateTime) y, (Interval) x, 1));
        binary(r, "-", TIMESTAMP, INTERVAL, TIMESTAMP, (x, y) -> Arith.timestampPlus((LocalDateTime) x, (Interval) y,
                -1));
        binary(r, "-", TIMESTAMP, TIMESTAMP, INTERVAL, (x, y) -> Arith.timestampMinus((LocalDateTime) x,
                (LocalDateTime) y));
        zoned(r, "+", TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ, (c, x, y) -> Arith.timestamptzPlus((Instant) x,
                (Interval) y, 1, c.zone()));
        zoned(r, "+", INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ, (c, x, y) -> Arith.timestamptzPlus((Instant) y,
                (Interval) x, 1, c.zone()));
        zoned(r, "-", TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ, (c, x, y) -> Arith.timestamptzPlus((Instant) x,
                (Interval) y, -1, c.zone()));
        binary(r, "-", TIMESTAMPTZ, TIMESTAMPTZ, INTERVAL, (x, y) -> Arith.timestamptzMinus((Instant) x, (Instant) y));
        binary(r, "+", INTERVAL, INTERVAL, INTERVAL, (x, y) -> Arith.intervalPlus((Interval) x, (Interval) y, 1));
        binary(r, "-", INTERVAL, INTERVAL, INTERVAL, (x, y) -> Arith.intervalPlus((Interval) x, (Interval) y, -1));
        binary(r, "*", INTERVAL, FLOAT8, INTERVAL, (x, y) -> Arith.intervalTimes((Interval) x, (Double) y));
        binary(r, "*", FLOAT8, INTERVAL, INTERVAL, (x, y) -> Arith.intervalTimes((Interval) y, (Double) x));
        binary(r, "/", INTERVAL, FLOAT8, INTERVAL, (x, y) -> {
            if ((Double) y == 0) {
                throw Arith.divisionByZero();
            }
            return Arith.intervalTimes((Interval) x, 1 / (Double) y);
        });
        prefixOp(r, "-", INTERVAL, INTERVAL, x -> Arith.negate(INTERVAL, x));
        binary(r, "+", TIME, INTERVAL, TIME, (x, y) -> Values.timeOfMicros(Math.floorMod(Values.timeMicros((LocalTime) x)
                + ((Interval) y).micros(), 86_400_000_000L)));
        binary(r, "-", TIME, INTERVAL, TIME, (x, y) -> Values.timeOfMicros(Math.floorMod(Values.timeMicros((LocalTime) x)
                - ((Interval) y).micros(), 86_400_000_000L)));
        binary(r, "+", TIMETZ, INTERVAL, TIMETZ, (x, y) -> ((java.time.OffsetTime) x).plus(((Interval) y).micros(),
                ChronoUnit.MICROS));
        binary(r, "+", INTERVAL, TIMETZ, TIMETZ, (x, y) -> ((java.time.OffsetTime) y).plus(((Interval) x).micros(),
                ChronoUnit.MICROS));
        binary(r, "-", TIMETZ, INTERVAL, TIMETZ, (x, y) -> ((java.time.OffsetTime) x).minus(((Interval) y).micros(),
                ChronoUnit.MICROS));
        binary(r, "-", TIME, TIME, INTERVAL, (x, y) -> Interval.ofMicros(Values.timeMicros((LocalTime) x)
                - Values.timeMicros((LocalTime) y)));
    }

    private interface ZonedFn {
        Object apply(FnContext c, Object a, Object b);
    }

    private static void zoned(Builtins r, String op, PgType l, PgType rt, PgType res, ZonedFn fn) {
        FunctionDef f = r.f(prefix(l, rt) + opName(op), res, l, rt).stable().ctx((c, a) -> fn.apply(c, a[0], a[1]));
        r.addOperator(op, l, rt, res, f, op.equals("+") ? op : null, null, false, 0);
    }

    // ---------------------------------------------------------------- arrays

    private static void arrays(Builtins r) {
        binary(r, "@>", ANYARRAY, ANYARRAY, BOOL, (x, y) -> contains((List<?>) x, (List<?>) y));
        binary(r, "<@", ANYARRAY, ANYARRAY, BOOL, (x, y) -> contains((List<?>) y, (List<?>) x));
        binary(r, "&&", ANYARRAY, ANYARRAY, BOOL, (x, y) -> overlaps((List<?>) x, (List<?>) y));
        binary(r, "||", ANYARRAY, ANYARRAY, ANYARRAY, (x, y) -> {
            List<Object> out = new ArrayList<>((List<?>) x);
            out.addAll((List<?>) y);
            return out;
        });
        FunctionDef append = r.f("array_append_op", ANYARRAY, ANYARRAY, ANYELEMENT).nonStrict().impl(a -> {
            List<Object> out = a[0] == null ? new ArrayList<>() : new ArrayList<>((List<?>) a[0]);
            out.add(a[1]);
            return out;
        });
        r.addOperator("||", ANYARRAY, ANYELEMENT, ANYARRAY, append, null, null, false, 0);
        FunctionDef prepend = r.f("array_prepend_op", ANYARRAY, ANYELEMENT, ANYARRAY).nonStrict().impl(a -> {
            List<Object> out = new ArrayList<>();
            out.add(a[0]);
            if (a[1] != null) {
                out.addAll((List<?>) a[1]);
            }
            return out;
        });
        r.addOperator("||", ANYELEMENT, ANYARRAY, ANYARRAY, prepend, null, null, false, 0);
    }

    static boolean contains(List<?> big, List<?> small) {
        Set<Object> have = new HashSet<>();
        for (Object o : big) {
            if (o != null) {
                have.add(Values.hashKey(o));
            }
        }
        for (Object o : small) {
            if (o == null || !have.contains(Values.hashKey(o))) {
                return false;
            }
        }
        return true;
    }

    static boolean overlaps(List<?> x, List<?> y) {
        Set<Object> have = new HashSet<>();
        for (Object o : x) {
            if (o != null) {
                have.add(Values.hashKey(o));
            }
        }
        for (Object o : y) {
            if (o != null && have.contains(Values.hashKey(o))) {
                return true;
            }
        }
        return false;
    }
}
