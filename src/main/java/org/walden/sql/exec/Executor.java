package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.Column;
import org.walden.sql.catalog.KeyCodec;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.catalog.TableDef;
import org.walden.sql.types.PgType;
import org.walden.sql.types.Values;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * Runs SELECT, INSERT, UPDATE and DELETE plans in one transaction. UPDATE and DELETE follow
 * PostgreSQL's READ COMMITTED rule: rows are found in the statement snapshot, then each is
 * locked ({@link Transaction#lockForUpdate}) and its WHERE clause re-checked against the
 * latest committed version (EvalPlanQual), skipping rows that are gone or no longer match.
 */
public final class Executor {

    /** How long one lock wait lasts before the cancel flag and lock_timeout are checked again. */
    private static final long LOCK_WAIT_SLICE_MS = 200;

    /** The rows (Java values) and the CommandComplete tag. */
    public record Result(List<Object[]> rows, String tag) {
    }

    private record KeyedRow(byte[] key, byte[] value, Object[] row) {
    }

    private final Transaction txn;
    private final ExecEnv env;
    private final long lockTimeoutMs;
    private final RowIds rowIds;
    /** The table whose relation lock insertRow last took (COPY: one lock, not one per row). */
    private TableDef copyLockedTable;
    private final LongSupplier clockMs;

    public Executor(Transaction txn, ExecEnv env, long lockTimeoutMs, RowIds rowIds, LongSupplier clockMs) {
        this.txn = txn;
        this.env = env;
        this.lockTimeoutMs = lockTimeoutMs;
        this.rowIds = rowIds;
        this.clockMs = clockMs;
    }

    public Result run(Plan plan, Object[] params) {
        EvalContext ctx = new EvalContext(env, params);
        return switch (plan) {
            case Plan.Select s -> select(s, ctx);
            case Plan.Insert i -> insert(i, ctx);
            case Plan.Update u -> update(u, ctx);
            case Plan.Delete d -> delete(d, ctx);
            case Plan.Utility u -> throw new IllegalStateException("utility statement in executor");
        };
    }

    // ---------------------------------------------------------------- reading

    private List<KeyedRow> candidates(Plan.Source source, Node filter, EvalContext ctx) {
        TableDef table = source.table();
        List<KeyedRow> out = new ArrayList<>();
        if (table.virtual()) {
            List<Object[]> rows = source.functionRows() != null ? source.functionRows().apply(ctx)
                    : SystemViews.rows(table, env);
            for (Object[] row : rows) {
                if (matches(filter, ctx, row)) {
                    out.add(new KeyedRow(null, null, row));
                }
            }
            return out;
        }
        if (source.pointKey() != null) {
            Object[] keyValues = new Object[source.pointKey().length];
            for (int i = 0; i < keyValues.length; i++) {
                keyValues[i] = source.pointKey()[i].eval(ctx);
                if (keyValues[i] == null) {
                    return out;
                }
            }
            byte[] key = KeyCodec.primaryKeyOf(table, keyValues);
            byte[] value = txn.get(key);
            if (value != null) {
                Object[] row = RowCodec.decode(table.columns(), value);
                if (matches(filter, ctx, row)) {
                    out.add(new KeyedRow(key, value, row));
                }
            }
            return out;
        }
        long n = 0;
        try (KvCursor c = txn.scan(KeyCodec.tablePrefix(table), KeyCodec.tableEnd(table))) {
            while (c.next()) {
                if ((++n & 255) == 0) {
                    env.checkCancel();
                }
                Object[] row = RowCodec.decode(table.columns(), c.value());
                if (matches(filter, ctx, row)) {
                    out.add(new KeyedRow(c.key(), c.value(), row));
                }
            }
        }
        return out;
    }

    private static boolean matches(Node filter, EvalContext ctx, Object[] row) {
        return filter == null || Boolean.TRUE.equals(filter.eval(ctx.withRow(row)));
    }

    private Result select(Plan.Select s, EvalContext ctx) {
        List<Object[]> input;
        if (s.source() == null) {
            input = matches(s.filter(), ctx, new Object[0]) ? List.<Object[]>of(new Object[0]) : List.of();
        } else {
            if (s.lockRows()) {
                lockRelation(s.source().table(), false);
            }
            List<KeyedRow> found = candidates(s.source(), s.filter(), ctx);
            if (s.lockRows()) {
                input = new ArrayList<>();
                for (KeyedRow cand : found) {
                    Object[] row = recheck(cand, s.source().table(), s.filter(), ctx);
                    if (row != null) {
                        input.add(row);
                    }
                }
            } else {
                input = found.stream().map(KeyedRow::row).toList();
            }
        }
        List<Object[]> outputs = new ArrayList<>();
        List<Object[]> sortKeys = new ArrayList<>();
        if (s.aggregated()) {
            aggregate(s, ctx, input, outputs, sortKeys);
        } else {
            for (Object[] row : input) {
                ctx.withRow(row);
                outputs.add(project(s.targets(), ctx));
                sortKeys.add(sortKey(s, ctx));
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            order.add(i);
        }
        if (!s.sort().isEmpty()) {
            order.sort(sortComparator(s.sort(), sortKeys));
        }
        List<Object[]> rows = new ArrayList<>();
        Set<List<Object>> seen = s.distinct() ? new LinkedHashSet<>() : null;
        for (int i : order) {
            if (seen == null || seen.add(distinctKey(outputs.get(i)))) {
                rows.add(outputs.get(i));
            }
        }
        rows = limitOffset(s, ctx, rows);
        return new Result(rows, "SELECT " + rows.size());
    }

    private static List<Object> distinctKey(Object[] row) {
        List<Object> key = new ArrayList<>(row.length);
        for (Object v : row) {
            key.add(v instanceof java.math.BigDecimal b ? b.stripTrailingZeros() : v);
        }
        return key;
    }

    private static Object[] project(List<Node> targets, EvalContext ctx) {
        Object[] out = new Object[targets.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = targets.get(i).eval(ctx);
        }
        return out;
    }

    private static Object[] sortKey(Plan.Select s, EvalContext ctx) {
        Object[] key = new Object[s.sort().size()];
        for (int i = 0; i < key.length; i++) {
            key[i] = s.sort().get(i).expr().eval(ctx);
        }
        return key;
    }

    private static Comparator<Integer> sortComparator(List<Plan.SortKey> sort, List<Object[]> keys) {
        return (x, y) -> {
            Object[] a = keys.get(x);
            Object[] b = keys.get(y);
            for (int i = 0; i < sort.size(); i++) {
                Plan.SortKey k = sort.get(i);
                int c;
                if (a[i] == null || b[i] == null) {
                    if (a[i] == b[i]) {
                        continue;
                    }
                    c = (a[i] == null) == k.nullsFirst() ? -1 : 1;
                    return c;
                }
                c = Operators.compare(a[i], b[i], k.expr().type == PgType.BPCHAR);
                if (c != 0) {
                    return k.descending() ? -c : c;
                }
            }
            return 0;
        };
    }

    private void aggregate(Plan.Select s, EvalContext ctx, List<Object[]> input, List<Object[]> outputs,
                           List<Object[]> sortKeys) {
        Map<List<Object>, AggSpec.State[]> groups = new LinkedHashMap<>();
        Map<List<Object>, Object[]> firstRows = new HashMap<>();
        if (s.groupBy().isEmpty()) {
            List<Object> none = List.of();
            groups.put(none, newStates(s.aggregates()));
            firstRows.put(none, null);
        }
        long n = 0;
        for (Object[] row : input) {
            if ((++n & 255) == 0) {
                env.checkCancel();
            }
            ctx.withRow(row);
            List<Object> key = new ArrayList<>(s.groupBy().size());
            for (Node g : s.groupBy()) {
                key.add(distinctKeyValue(g.eval(ctx)));
            }
            AggSpec.State[] states = groups.computeIfAbsent(key, k -> newStates(s.aggregates()));
            firstRows.putIfAbsent(key, row);
            if (firstRows.get(key) == null) {
                firstRows.put(key, row);
            }
            for (AggSpec.State st : states) {
                st.add(ctx);
            }
        }
        for (Map.Entry<List<Object>, AggSpec.State[]> g : groups.entrySet()) {
            Object[] aggs = new Object[g.getValue().length];
            for (int i = 0; i < aggs.length; i++) {
                aggs[i] = g.getValue()[i].result();
            }
            Object[] first = firstRows.get(g.getKey());
            ctx.row = first == null ? new Object[s.source() == null ? 0 : s.source().table().columns().size()] : first;
            ctx.aggs = aggs;
            if (s.having() != null && !Boolean.TRUE.equals(s.having().eval(ctx))) {
                continue;
            }
            outputs.add(project(s.targets(), ctx));
            sortKeys.add(sortKey(s, ctx));
        }
    }

    private static Object distinctKeyValue(Object v) {
        return v instanceof java.math.BigDecimal b ? b.stripTrailingZeros() : v;
    }

    private static AggSpec.State[] newStates(List<AggSpec> specs) {
        AggSpec.State[] states = new AggSpec.State[specs.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = specs.get(i).new State();
        }
        return states;
    }

    private static List<Object[]> limitOffset(Plan.Select s, EvalContext ctx, List<Object[]> rows) {
        long offset = 0;
        long limit = Long.MAX_VALUE;
        if (s.offset() != null) {
            Object v = s.offset().eval(ctx);
            offset = v == null ? 0 : (Long) v;
            if (offset < 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "OFFSET must not be negative");
            }
        }
        if (s.limit() != null) {
            Object v = s.limit().eval(ctx);
            limit = v == null ? Long.MAX_VALUE : (Long) v;
            if (limit < 0) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "LIMIT must not be negative");
            }
        }
        int from = (int) Math.min(offset, rows.size());
        int to = (int) Math.min(rows.size(), from + Math.min(limit, Integer.MAX_VALUE));
        return rows.subList(from, to);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Takes the table's relation lock (shared for DML, exclusive for DDL that replaces or drops
     * its rows), in slices so that a cancel request and lock_timeout are noticed. A DML
     * statement whose table was rewritten or dropped by a transaction that committed after this
     * statement's snapshot raises 40001: its table definition names rows that are gone.
     */
    public void lockRelation(TableDef table, boolean exclusive) {
        long deadline = lockTimeoutMs > 0 ? clockMs.getAsLong() + lockTimeoutMs : Long.MAX_VALUE;
        while (true) {
            env.checkCancel();
            long remaining = deadline - clockMs.getAsLong();
            boolean changed;
            try {
                changed = txn.lockRelation(table.oid(), exclusive, Math.max(1, Math.min(LOCK_WAIT_SLICE_MS, remaining)));
            } catch (PgException e) {
                if (e.sqlState() != SqlState.LOCK_NOT_AVAILABLE) {
                    throw e;
                }
                if (clockMs.getAsLong() >= deadline) {
                    throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
                }
                continue;
            }
            if (changed && !exclusive) {
                throw new PgException(SqlState.SERIALIZATION_FAILURE, "table \"" + table.name()
                        + "\" was changed concurrently; retry");
            }
            return;
        }
    }

    /**
     * Takes a row lock, in slices so that a cancel request and lock_timeout are noticed.
     * Returns the latest version of the row (null if absent).
     */
    byte[] lockRow(byte[] key) {
        long deadline = lockTimeoutMs > 0 ? clockMs.getAsLong() + lockTimeoutMs : Long.MAX_VALUE;
        while (true) {
            env.checkCancel();
            long remaining = deadline - clockMs.getAsLong();
            try {
                return txn.lockForUpdate(key, Math.max(1, Math.min(LOCK_WAIT_SLICE_MS, remaining)));
            } catch (PgException e) {
                if (e.sqlState() != SqlState.LOCK_NOT_AVAILABLE) {
                    throw e;
                }
                if (clockMs.getAsLong() >= deadline) {
                    throw new PgException(SqlState.LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
                }
            }
        }
    }

    private Result insert(Plan.Insert ins, EvalContext ctx) {
        TableDef table = ins.table();
        lockRelation(table, false);
        List<Object[]> returned = new ArrayList<>();
        for (Node[] nodes : ins.rows()) {
            env.checkCancel();
            Object[] row = new Object[nodes.length];
            ctx.withRow(row);
            for (int i = 0; i < nodes.length; i++) {
                row[i] = nodes[i].eval(ctx);
            }
            checkNotNull(table, row);
            byte[] key = table.hasPrimaryKey() ? KeyCodec.primaryKey(table, row)
                    : KeyCodec.rowIdKey(table.relfilenode(), rowIds.next(table, txn));
            if (lockRow(key) != null) {
                throw duplicateKey(table, row);
            }
            txn.put(key, RowCodec.encode(table.columns(), row));
            if (ins.returning() != null) {
                returned.add(project(ins.returning(), ctx.withRow(row)));
            }
        }
        return new Result(returned, "INSERT 0 " + ins.rows().size());
    }

    /** Inserts one complete row (COPY FROM): not-null check, key, row lock, duplicate check, put. */
    public void insertRow(TableDef table, Object[] row) {
        if (table != copyLockedTable) {
            lockRelation(table, false); // held until the transaction ends: once per COPY
            copyLockedTable = table;
        }
        checkNotNull(table, row);
        byte[] key = table.hasPrimaryKey() ? KeyCodec.primaryKey(table, row)
                : KeyCodec.rowIdKey(table.relfilenode(), rowIds.next(table, txn));
        if (lockRow(key) != null) {
            throw duplicateKey(table, row);
        }
        txn.put(key, RowCodec.encode(table.columns(), row));
    }

    static PgException duplicateKey(TableDef table, Object[] row) {
        StringBuilder cols = new StringBuilder();
        StringBuilder vals = new StringBuilder();
        for (int i = 0; i < table.primaryKey().length; i++) {
            Column c = table.columns().get(table.primaryKey()[i]);
            cols.append(i > 0 ? ", " : "").append(c.name());
            vals.append(i > 0 ? ", " : "").append(Values.toText(c.type(), row[table.primaryKey()[i]],
                    java.time.ZoneOffset.UTC));
        }
        return new PgException(SqlState.UNIQUE_VIOLATION, "duplicate key value violates unique constraint \""
                + table.primaryKeyName() + "\"").withDetail("Key (" + cols + ")=(" + vals + ") already exists.");
    }

    private void checkNotNull(TableDef table, Object[] row) {
        for (int i = 0; i < row.length; i++) {
            Column c = table.columns().get(i);
            if (row[i] == null && (c.notNull() || isKeyColumn(table, i))) {
                throw new PgException(SqlState.NOT_NULL_VIOLATION, "null value in column \"" + c.name()
                        + "\" of relation \"" + table.name() + "\" violates not-null constraint")
                        .withDetail("Failing row contains " + failingRow(table, row) + ".");
            }
        }
    }

    private String failingRow(TableDef table, Object[] row) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < row.length; i++) {
            sb.append(i > 0 ? ", " : "");
            sb.append(row[i] == null ? "null" : Values.toText(table.columns().get(i).type(), row[i], env.zone()));
        }
        return sb.append(')').toString();
    }

    private static boolean isKeyColumn(TableDef table, int column) {
        for (int k : table.primaryKey()) {
            if (k == column) {
                return true;
            }
        }
        return false;
    }

    /** Locks a candidate and re-checks it against the latest version; null when it is to be skipped. */
    private Object[] recheck(KeyedRow cand, TableDef table, Node filter, EvalContext ctx) {
        byte[] latest = lockRow(cand.key());
        if (latest == null) {
            return null;
        }
        if (Arrays.equals(latest, cand.value())) {
            return cand.row();
        }
        Object[] row = RowCodec.decode(table.columns(), latest);
        return matches(filter, ctx, row) ? row : null;
    }

    private Result update(Plan.Update u, EvalContext ctx) {
        TableDef table = u.source().table();
        lockRelation(table, false);
        List<Object[]> returned = new ArrayList<>();
        long count = 0;
        for (KeyedRow cand : candidates(u.source(), u.filter(), ctx)) {
            env.checkCancel();
            Object[] row = recheck(cand, table, u.filter(), ctx);
            if (row == null) {
                continue;
            }
            ctx.withRow(row);
            Object[] newRow = row.clone();
            for (int i = 0; i < u.columns().length; i++) {
                newRow[u.columns()[i]] = u.values()[i].eval(ctx);
            }
            checkNotNull(table, newRow);
            byte[] newKey = table.hasPrimaryKey() ? KeyCodec.primaryKey(table, newRow) : cand.key();
            if (!Arrays.equals(newKey, cand.key())) {
                if (lockRow(newKey) != null) {
                    throw duplicateKey(table, newRow);
                }
                txn.delete(cand.key());
            }
            txn.put(newKey, RowCodec.encode(table.columns(), newRow));
            count++;
            if (u.returning() != null) {
                returned.add(project(u.returning(), ctx.withRow(newRow)));
            }
        }
        return new Result(returned, "UPDATE " + count);
    }

    private Result delete(Plan.Delete d, EvalContext ctx) {
        TableDef table = d.source().table();
        lockRelation(table, false);
        List<Object[]> returned = new ArrayList<>();
        long count = 0;
        for (KeyedRow cand : candidates(d.source(), d.filter(), ctx)) {
            env.checkCancel();
            Object[] row = recheck(cand, table, d.filter(), ctx);
            if (row == null) {
                continue;
            }
            txn.delete(cand.key());
            count++;
            if (d.returning() != null) {
                returned.add(project(d.returning(), ctx.withRow(row)));
            }
        }
        return new Result(returned, "DELETE " + count);
    }
}
