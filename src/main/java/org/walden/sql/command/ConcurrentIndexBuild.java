package org.walden.sql.command;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.Keys;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.exec.ExecState;
import org.walden.sql.exec.RowWriter;
import org.walden.sql.parse.Tree;
import org.walden.sql.plan.RowWriters;
import org.walden.sql.types.PgType;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * CREATE INDEX CONCURRENTLY (PostgreSQL's DefineIndex with its three transactions): the table
 * keeps taking writes while the index is built.
 * <ol>
 *   <li>The index is recorded not ready and not valid; commit.</li>
 *   <li>It is marked ready — from now on every writer maintains its entries — after waiting,
 *       through an exclusive lock on the table, for the writers that started without knowing
 *       it; commit.</li>
 *   <li>Each row present is entered from its latest version, read under its row lock (a row a
 *       writer changes meanwhile is either already entered by that writer or read here after
 *       its commit), {@link #BATCH} rows per transaction; a unique index meeting a duplicate
 *       fails with 23505 and stays invalid, as in PostgreSQL.</li>
 *   <li>It is marked valid: queries may use it; commit.</li>
 * </ol>
 * The entries are ordinary transactional writes, so they are WAL-logged and replayed by
 * standbys like any row.
 */
final class ConcurrentIndexBuild extends DdlSupport {

    static final int BATCH = 1000;

    private final Commands.Steps steps;

    ConcurrentIndexBuild(CommandContext ctx, Commands.Steps steps) {
        super(ctx);
        this.steps = steps;
    }

    String run(Tree.IndexStmt s) {
        IndexCommands ic = new IndexCommands(ctx);
        Relation table = ic.indexTarget(s.relation());
        IndexInfo idx = ic.define(s, table, false, false);
        if (idx == null) {
            return "CREATE INDEX";
        }
        ctx.writer().putIndex(idx, null);
        ctx.writer().putRelationTablespace(idx.oid(), new TablespaceCommands(ctx).tablespaceForNewRelation(s.tablespace()));
        ctx.catalogChanged();
        steps.commitAndBegin();

        IndexInfo ready = idx.withState(true, false);
        ctx.writer().putIndex(ready, idx);
        lockExclusively(table);
        ctx.catalogChanged();
        steps.commitAndBegin();

        Relation current = catalog().relation(table.oid());
        if (current == null) { // dropped since the last step committed: the index went with it
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + table.name() + "\" does not exist");
        }
        fill(current, ready);

        IndexInfo valid = ready.withState(true, true);
        ctx.writer().putIndex(valid, ready);
        ctx.catalogChanged();
        return "CREATE INDEX";
    }

    /**
     * REINDEX CONCURRENTLY of {@code old} (PostgreSQL's ReindexRelationConcurrently): a shadow
     * index "name_ccnew" with the same definition is built as CREATE INDEX CONCURRENTLY builds
     * one, writers keeping both up to date; then, under the table's exclusive lock for one short
     * transaction, {@code old} takes over the shadow's entries (keeping its OID, name and
     * constraint) and its former entries are emptied at commit.
     */
    void reindex(Relation table, IndexInfo old) {
        IndexInfo shadow = new IndexInfo(ctx.writer().allocateOid(), chooseRelationName(old.name(), null, "ccnew",
                old.namespaceOid(), new java.util.HashSet<>()), old.namespaceOid(), old.tableOid(),
                newStorage(org.walden.txn.RelPersistence.PERMANENT, storedTablespace(old.relfilenode())),
                old.keys(), old.unique(), false, old.nullsNotDistinct(), old.predicateSql(), old.predicateText(),
                false, false, old.method(), false);
        ctx.writer().putIndex(shadow, null);
        ctx.catalogChanged();
        steps.commitAndBegin();

        IndexInfo ready = shadow.withState(true, false);
        ctx.writer().putIndex(ready, shadow);
        lockExclusively(table);
        ctx.catalogChanged();
        steps.commitAndBegin();

        Relation current = catalog().relation(table.oid());
        if (current == null) {
            throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + table.name() + "\" does not exist");
        }
        fill(current, ready);

        lockExclusively(current);
        IndexInfo now = catalog().index(old.oid());
        ctx.writer().deleteIndex(ready);
        if (now == null) { // dropped meanwhile: the shadow's entries go too
            dropStorage(ready.relfilenode());
        } else {
            ctx.writer().putIndex(now.withRelfilenode(ready.relfilenode()).withState(true, true), now);
            dropStorage(now.relfilenode());
        }
        ctx.catalogChanged();
        steps.commitAndBegin();
    }

    /** Enters every row's entry, reading each row's latest version under its lock, committing every BATCH rows. */
    private void fill(Relation table, IndexInfo idx) {
        RowWriter.IndexSpec spec = RowWriters.forSession(ctx.fn()).indexSpec(table, idx);
        PgType[] types = IndexBuilder.columnTypes(table);
        byte[] next = Keys.prefix(table.relfilenode());
        byte[] end = Keys.end(table.relfilenode());
        while (next != null) {
            Transaction txn = ctx.txn();
            ExecState st = ctx.execState(null, new Object[0]);
            byte[] resume = null;
            int n = 0;
            try (KvCursor c = txn.scan(next, end)) {
                while (c.next()) {
                    if (n++ == BATCH) {
                        resume = c.key().clone();
                        break;
                    }
                    byte[] rowKey = c.key().clone();
                    byte[] latest = st.lockRow(rowKey);
                    if (latest == null) {
                        continue;
                    }
                    Object[] values = IndexBuilder.entryValues(spec, RowCodec.decode(types, latest), st);
                    if (values == null) {
                        continue;
                    }
                    byte[] suffix = Keys.suffix(rowKey);
                    byte[] entry = Keys.indexEntry(idx, spec.keyTypes(), values, suffix);
                    byte[] existing = st.lockRow(entry);
                    if (existing != null && idx.unique() && !Keys.entryHasPointer(idx, values)
                            && !java.util.Arrays.equals(existing, suffix)) {
                        throw RowWriter.duplicateKey(idx.name(), spec.keyNames(), values, spec.keyTypes(), st,
                                "could not create unique index \"");
                    }
                    txn.put(entry, suffix);
                }
            } finally {
                st.finish();
            }
            ctx.checkCancel();
            steps.commitAndBegin();
            next = resume;
        }
    }
}
