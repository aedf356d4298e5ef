package org.walden.sql.command;

import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.catalog.Attribute;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;

/**
 * CREATE SEQUENCE and ALTER SEQUENCE (PostgreSQL's DefineSequence / AlterSequence): the
 * options with PostgreSQL's defaults and checks, the pg_class record (columns last_value,
 * log_cnt, is_called) with its pg_sequence options, and the stored row {@link SequenceStore}
 * advances.
 */
final class SequenceCommands extends DdlSupport {

    private final SequenceStore store;

    SequenceCommands(CommandContext ctx) {
        this(ctx, null);
    }

    SequenceCommands(CommandContext ctx, SequenceStore store) {
        super(ctx);
        this.store = store;
    }

    static final List<Attribute> COLUMNS = List.of(new Attribute(1, "last_value", PgType.INT8, -1, true),
            new Attribute(2, "log_cnt", PgType.INT8, -1, true), new Attribute(3, "is_called", PgType.BOOL, -1, true));

    String createStatement(Tree.CreateSequenceStmt s) {
        char persistence = new TableCommands(ctx).persistenceOf(s.name(),
                s.temporary() ? org.walden.txn.RelPersistence.TEMPORARY : org.walden.txn.RelPersistence.PERMANENT, null);
        Namespace ns = persistence == org.walden.txn.RelPersistence.TEMPORARY ? new TempNamespaces(ctx, null).ensure()
                : creationNamespace(s.name().schema(), s.name().position());
        if (new TableCommands(ctx).nameTaken(ns, s.name().name())) {
            if (s.ifNotExists()) {
                ctx.notice(notice(SqlState.DUPLICATE_TABLE, "relation \"" + s.name().name()
                        + "\" already exists, skipping"));
                return "CREATE SEQUENCE";
            }
            throw new PgException(SqlState.DUPLICATE_TABLE, "relation \"" + s.name().name() + "\" already exists");
        }
        int[] owned = ownedBy(s.options());
        create(s.name().name(), ns.oid(), null, s.options(), owned[0], owned[1], persistence);
        return "CREATE SEQUENCE";
    }

    /** Resolves OWNED BY table.column to (table OID, attnum), (0, 0) for none. */
    private int[] ownedBy(List<Tree.SeqOption> options) {
        for (Tree.SeqOption o : options) {
            if (o.name().equals("owned_by") && o.value() != null) {
                @SuppressWarnings("unchecked")
                List<String> name = (List<String>) o.value();
                if (name.size() < 2) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "invalid OWNED BY option")
                            .withHint("Specify OWNED BY table.column or OWNED BY NONE.");
                }
                String schema = name.size() > 2 ? name.get(name.size() - 3) : null;
                Relation t = requireTable(new Tree.RangeVar(schema, name.get(name.size() - 2), 0));
                int col = t.columnIndex(name.get(name.size() - 1));
                if (col < 0) {
                    throw new PgException(SqlState.UNDEFINED_COLUMN, "column \"" + name.get(name.size() - 1)
                            + "\" of relation \"" + t.name() + "\" does not exist");
                }
                return new int[] {t.oid(), t.column(col).attnum()};
            }
        }
        return new int[] {0, 0};
    }

    /** Creates a sequence (its record and its stored row); {@code type} null means AS bigint unless given. */
    Relation create(String name, int namespaceOid, PgType type, List<Tree.SeqOption> options, int ownedTable,
                    int ownedColumn) {
        return create(name, namespaceOid, type, options, ownedTable, ownedColumn, org.walden.txn.RelPersistence.PERMANENT);
    }

    /** As above, for a sequence of that persistence (a temporary or an unlogged table's, or CREATE TEMP SEQUENCE). */
    Relation create(String name, int namespaceOid, PgType type, List<Tree.SeqOption> options, int ownedTable,
                    int ownedColumn, char persistence) {
        Relation.SequenceOptions o = options(name, type, options, null);
        CatalogWriter w = ctx.writer();
        int oid = w.allocateOid();
        int rowType = w.allocateOid();
        Relation seq = new Relation(oid, name, namespaceOid, Relation.SEQUENCE, ctx.currentRole().oid(), COLUMNS,
                new int[0], 0, rowType, null, null, o.withOwner(ownedTable, ownedColumn), List.of(), false);
        seq = seq.withRelfilenode(newStorage(persistence));
        SequenceStore.initialize(ctx.txn(), seq, o.start());
        w.putRelation(seq, null);
        applyDefaultAcl(org.walden.sql.catalog.Acl.ObjectType.SEQUENCE, org.walden.sql.catalog.DbCatalog.PG_CLASS, seq.oid(), seq.ownerOid(),
                seq.namespaceOid());
        ctx.catalogChanged();
        return seq;
    }

    /** The options with PostgreSQL's defaults (and, for ALTER, {@code current}'s values where not given). */
    Relation.SequenceOptions options(String name, PgType type, List<Tree.SeqOption> options,
                                     Relation.SequenceOptions current) {
        PgType t = type != null ? type : current != null ? current.type() : PgType.INT8;
        Long inc = null;
        Long min = null;
        Long max = null;
        Long start = null;
        Long cache = null;
        Boolean cycle = null;
        boolean minGiven = false;
        boolean maxGiven = false;
        for (Tree.SeqOption op : options) {
            switch (op.name()) {
                case "as" -> {
                    t = new Analyzer(ctx.analyzerEnv()).typeName((Tree.TypeName) op.value()).type();
                    if (t != PgType.INT2 && t != PgType.INT4 && t != PgType.INT8) {
                        throw new PgException(SqlState.INVALID_PARAMETER_VALUE,
                                "sequence type must be smallint, integer, or bigint");
                    }
                }
                case "increment" -> inc = (Long) op.value();
                case "minvalue" -> {
                    min = (Long) op.value();
                    minGiven = true;
                }
                case "maxvalue" -> {
                    max = (Long) op.value();
                    maxGiven = true;
                }
                case "start" -> start = (Long) op.value();
                case "cache" -> cache = (Long) op.value();
                case "cycle" -> cycle = (Boolean) op.value();
                default -> {
                }
            }
        }
        long increment = inc != null ? inc : current != null ? current.increment() : 1;
        if (increment == 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "INCREMENT must not be zero");
        }
        long typeMax = t == PgType.INT2 ? Short.MAX_VALUE : t == PgType.INT4 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        long typeMin = t == PgType.INT2 ? Short.MIN_VALUE : t == PgType.INT4 ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long minValue = min != null ? min : minGiven || current == null ? (increment > 0 ? 1 : typeMin)
                : current.min();
        long maxValue = max != null ? max : maxGiven || current == null ? (increment > 0 ? typeMax : -1)
                : current.max();
        if (maxValue > typeMax || minValue < typeMin) {
            String which = maxValue > typeMax ? "MAXVALUE (" + maxValue + ")" : "MINVALUE (" + minValue + ")";
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, which + " is out of range for sequence data type "
                    + t.formatType(-1));
        }
        if (minValue >= maxValue) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "MINVALUE (" + minValue
                    + ") must be less than MAXVALUE (" + maxValue + ")");
        }
        long startValue = start != null ? start : current != null ? current.start()
                : increment > 0 ? minValue : maxValue;
        if (startValue < minValue) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "START value (" + startValue
                    + ") cannot be less than MINVALUE (" + minValue + ")");
        }
        if (startValue > maxValue) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "START value (" + startValue
                    + ") cannot be greater than MAXVALUE (" + maxValue + ")");
        }
        long cacheValue = cache != null ? cache : current != null ? current.cache() : 1;
        if (cacheValue <= 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "CACHE (" + cacheValue
                    + ") must be greater than zero");
        }
        boolean cyc = cycle != null ? cycle : current != null && current.cycle();
        return new Relation.SequenceOptions(t, startValue, increment, minValue, maxValue, cacheValue, cyc,
                current == null ? 0 : current.ownedByTable(), current == null ? 0 : current.ownedByColumn());
    }

    String alter(Tree.AlterSequenceStmt s) {
        Relation seq = findRelation(s.name().schema(), s.name().name());
        if (seq == null || seq.kind() != Relation.SEQUENCE) {
            if (seq == null && s.ifExists()) {
                ctx.notice(notice(SqlState.UNDEFINED_TABLE, "relation \"" + s.name().name()
                        + "\" does not exist, skipping"));
                return "ALTER SEQUENCE";
            }
            if (seq != null) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "\"" + seq.name() + "\" is not a sequence");
            }
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + qualified(s.name()) + "\" does not exist");
        }
        checkOwner(seq);
        Relation.SequenceOptions o = options(seq.name(), null, s.options(), seq.sequence());
        for (Tree.SeqOption op : s.options()) {
            if (op.name().equals("owned_by")) {
                int[] owned = ownedBy(s.options());
                o = o.withOwner(owned[0], owned[1]);
            }
        }
        Relation updated = seq.withSequence(o);
        ctx.writer().putRelation(updated, seq);
        for (Tree.SeqOption op : s.options()) {
            if (op.name().equals("restart")) {
                long v = op.value() == null ? o.start() : (Long) op.value();
                ctx.txn().lockForUpdate(SequenceStore.key(seq), 10_000);
                SequenceStore.initialize(ctx.txn(), updated, v);
                if (store != null) {
                    store.forget(seq.relfilenode());
                }
            }
        }
        ctx.catalogChanged();
        return "ALTER SEQUENCE";
    }
}
