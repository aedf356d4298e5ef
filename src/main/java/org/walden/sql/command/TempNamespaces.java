package org.walden.sql.command;

import java.util.ArrayList;
import java.util.List;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;

/**
 * A session's temporary schema, pg_temp_N (PostgreSQL's InitTempTableNamespace and
 * RemoveTempRelations): made in the transaction of the session's first temporary object (a
 * rollback takes it back with that object), owned by the bootstrap superuser like PostgreSQL's;
 * a schema of that name found at the session's first use is a crashed session's and its
 * relations are dropped first. DISCARD TEMP, DISCARD ALL and the end of the session drop every
 * relation in it (the schema row stays for the next session that takes N, as in PostgreSQL).
 * The rows of its tables are never WAL-logged (see {@code storage.UnloggedRanges}).
 */
final class TempNamespaces extends DdlSupport {

    private final SequenceStore sequences;

    TempNamespaces(CommandContext ctx, SequenceStore sequences) {
        super(ctx);
        this.sequences = sequences;
    }

    /** This session's temporary schema, made now if it does not exist yet. */
    Namespace ensure() {
        String name = CatalogLookup.TEMP_SCHEMA_PREFIX + ctx.tempSlot();
        Namespace ns = catalog().namespace(name);
        if (ctx.claimTempSchema()) {
            dropOrphans(ns);
        }
        if (ns != null) {
            return ns;
        }
        CatalogWriter w = ctx.writer();
        w.lockNamespaceName(name);
        ns = new Namespace(w.allocateOid(), name, CatalogStore.BOOTSTRAP_SUPERUSER_OID);
        w.putNamespace(ns);
        ctx.catalogChanged();
        return ns;
    }

    /**
     * What sessions of a crashed server left: the relations of every temporary schema no live
     * session holds (their rows went at the start), this session's own schema included.
     */
    private void dropOrphans(Namespace own) {
        for (Namespace n : new ArrayList<>(catalog().namespaces())) {
            if (!CatalogLookup.isTemporary(n)) {
                continue;
            }
            int slot;
            try {
                slot = Integer.parseInt(n.name().substring(CatalogLookup.TEMP_SCHEMA_PREFIX.length()));
            } catch (NumberFormatException e) {
                continue;
            }
            if ((own != null && n.oid() == own.oid()) || !ctx.tempSlotHeld(slot)) {
                dropAllIn(n.oid());
            }
        }
    }

    /** DISCARD TEMP: drops every relation of this session's temporary schema. */
    void discard() {
        Namespace ns = catalog().namespace(CatalogLookup.TEMP_SCHEMA_PREFIX + ctx.tempSlot());
        if (ns != null) {
            dropAllIn(ns.oid());
        }
    }

    /** Drops the relations of a schema with whatever depends on them: views first, then tables and sequences. */
    private void dropAllIn(int namespaceOid) {
        List<Relation> in = new ArrayList<>();
        for (Relation r : sorted(catalog().relations())) {
            if (r.namespaceOid() == namespaceOid) {
                in.add(r);
            }
        }
        in.sort(java.util.Comparator.comparingInt(r -> r.kind() == Relation.VIEW ? 0 : r.kind() == Relation.TABLE ? 1 : 2));
        DropCommands drop = new DropCommands(ctx, sequences);
        for (Relation r : in) {
            Relation current = catalog().relation(r.oid());
            if (current != null) {
                drop.dropWithDependents(current);
            }
        }
    }
}
