package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Access control lists as PostgreSQL keeps them (acl.c): an object's ACL is a list of items, each
 * a grantee (0 for PUBLIC), a grantor, the privileges granted and those of them held WITH GRANT
 * OPTION. A null ACL means the object's default ({@link #defaultAcl}): its owner holds every
 * privilege of the object's kind, and PUBLIC holds EXECUTE on functions and CONNECT, TEMPORARY
 * on databases. An item's text form is PostgreSQL's {@code grantee=privs/grantor}, each privilege
 * a letter followed by {@code *} when grantable ({@code alice=r*w/owner}, {@code =r/owner} for
 * PUBLIC).
 */
public final class Acl {

    /** One aclitem. */
    public record Item(int grantee, int grantor, int privileges, int grantOptions) {
        public Item with(int newPrivileges, int newOptions) {
            return new Item(grantee, grantor, newPrivileges, newOptions);
        }
    }

    public static final int PUBLIC = 0;

    /** PostgreSQL's privilege bits, in the order of their letters (ACL_ALL_RIGHTS_STR "arwdDxtXUCTcsA"). */
    public static final int INSERT = 1;
    public static final int SELECT = 1 << 1;
    public static final int UPDATE = 1 << 2;
    public static final int DELETE = 1 << 3;
    public static final int TRUNCATE = 1 << 4;
    public static final int REFERENCES = 1 << 5;
    public static final int TRIGGER = 1 << 6;
    public static final int EXECUTE = 1 << 7;
    public static final int USAGE = 1 << 8;
    public static final int CREATE = 1 << 9;
    public static final int TEMPORARY = 1 << 10;
    public static final int CONNECT = 1 << 11;
    private static final String LETTERS = "arwdDxtXUCTc";
    private static final String[] NAMES = {"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES",
        "TRIGGER", "EXECUTE", "USAGE", "CREATE", "TEMPORARY", "CONNECT"};

    /** The kinds of object an ACL is on, with every privilege they can have. */
    public enum ObjectType {
        TABLE('r', "table", INSERT | SELECT | UPDATE | DELETE | TRUNCATE | REFERENCES | TRIGGER),
        SEQUENCE('s', "sequence", USAGE | SELECT | UPDATE),
        COLUMN('c', "column", INSERT | SELECT | UPDATE | REFERENCES),
        FUNCTION('f', "function", EXECUTE),
        SCHEMA('n', "schema", USAGE | CREATE),
        DATABASE('d', "database", CREATE | TEMPORARY | CONNECT),
        /** Kinds Walden grants nothing on, named for acldefault (pg_dump asks for their defaults). */
        TYPE('T', "type", USAGE),
        LANGUAGE('l', "language", USAGE),
        TABLESPACE('t', "tablespace", CREATE),
        FOREIGN_DATA_WRAPPER('F', "foreign-data wrapper", USAGE),
        FOREIGN_SERVER('S', "foreign server", USAGE),
        LARGE_OBJECT('L', "large object", SELECT | UPDATE);

        /** pg_default_acl.defaclobjtype's letter. */
        public final char letter;
        public final String word;
        public final int all;

        ObjectType(char letter, String word, int all) {
            this.letter = letter;
            this.word = word;
            this.all = all;
        }
    }

    private Acl() {
    }

    /** acldefault: what a null ACL means for an object of that type and owner. */
    public static List<Item> defaultAcl(ObjectType type, int owner) {
        return switch (type) {
            case COLUMN -> List.of();
            case FUNCTION, TYPE, LANGUAGE -> List.of(new Item(PUBLIC, owner, type.all, 0), new Item(owner, owner, type.all, 0));
            case DATABASE -> List.of(new Item(PUBLIC, owner, TEMPORARY | CONNECT, 0),
                    new Item(owner, owner, type.all, 0));
            default -> List.of(new Item(owner, owner, type.all, 0));
        };
    }

    /** The ACL in force: the stored one, or the default when none is stored. */
    public static List<Item> effective(List<Item> stored, ObjectType type, int owner) {
        return stored != null ? stored : defaultAcl(type, owner);
    }

    /** The privilege bit of a name (SELECT, ...; TEMP for TEMPORARY), or 0 when unknown. */
    public static int privilegeOf(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (n.equals("TEMP")) {
            return TEMPORARY;
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return 1 << i;
            }
        }
        return 0;
    }

    public static String privilegeName(int bit) {
        return NAMES[Integer.numberOfTrailingZeros(bit)];
    }

    /** The privilege letters of {@code privileges}, {@code *} after each grantable one. */
    public static String letters(int privileges, int options) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < LETTERS.length(); i++) {
            if ((privileges & (1 << i)) != 0) {
                out.append(LETTERS.charAt(i));
                if ((options & (1 << i)) != 0) {
                    out.append('*');
                }
            }
        }
        return out.toString();
    }

    /** An item's text form; roles by name ({@code roleName} returns null for a role gone: its OID is shown). */
    public static String format(Item item, IntFunction<String> roleName) {
        return (item.grantee() == PUBLIC ? "" : roleText(item.grantee(), roleName)) + "="
                + letters(item.privileges(), item.grantOptions()) + "/" + roleText(item.grantor(), roleName);
    }

    private static String roleText(int oid, IntFunction<String> roleName) {
        String name = roleName.apply(oid);
        if (name == null) {
            return Integer.toString(oid);
        }
        return quoteIfNeeded(name);
    }

    private static String quoteIfNeeded(String name) {
        boolean plain = !name.isEmpty();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                plain = false;
            }
        }
        return plain ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A list's text forms (an aclitem[] value). */
    public static List<Object> formatAll(List<Item> acl, IntFunction<String> roleName) {
        if (acl == null) {
            return null;
        }
        List<Object> out = new ArrayList<>(acl.size());
        for (Item i : acl) {
            out.add(format(i, roleName));
        }
        return out;
    }

    /** Parses an aclitem's text ({@code alice=r*w/bob}); {@code roleOid} gives a name's OID, -1 when unknown. */
    public static Item parse(String text, java.util.function.ToIntFunction<String> roleOid) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "a name must follow the \"/\" sign");
        }
        String grantee = unquote(text.substring(0, eq).trim());
        int slash = text.indexOf('/', eq);
        String privs = slash < 0 ? text.substring(eq + 1) : text.substring(eq + 1, slash);
        String grantor = slash < 0 ? null : unquote(text.substring(slash + 1).trim());
        int p = 0;
        int o = 0;
        int last = 0;
        for (char c : privs.trim().toCharArray()) {
            if (c == '*') {
                o |= last;
                continue;
            }
            int i = LETTERS.indexOf(c);
            if (i < 0) {
                throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "invalid mode character: must be one of \""
                        + LETTERS + "sA\"");
            }
            last = 1 << i;
            p |= last;
        }
        return new Item(grantee.isEmpty() ? PUBLIC : role(grantee, roleOid),
                grantor == null ? CatalogStore.BOOTSTRAP_SUPERUSER_OID : role(grantor, roleOid), p, o);
    }

    private static int role(String name, java.util.function.ToIntFunction<String> roleOid) {
        int oid = roleOid.applyAsInt(name);
        if (oid < 0) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + name + "\" does not exist");
        }
        return oid;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1).replace("\"\"", "\"");
        }
        return s;
    }

    /**
     * The privileges among {@code wanted} that {@code role} holds through {@code acl} (as PUBLIC,
     * itself, or a role whose privileges it inherits); with {@code options}, the grant options.
     */
    public static int mask(List<Item> acl, int role, int wanted, SharedCatalog shared, boolean options) {
        int got = 0;
        for (Item i : acl) {
            int bits = options ? i.grantOptions() : i.privileges();
            if ((bits & wanted) == 0) {
                continue;
            }
            if (i.grantee() == PUBLIC || i.grantee() == role || shared.hasPrivsOfRole(role, i.grantee())) {
                got |= bits & wanted;
                if (got == wanted) {
                    return got;
                }
            }
        }
        return got & wanted;
    }

    /**
     * GRANT: adds {@code privileges} (and with {@code withOption} their grant options) to the
     * item of {@code grantee} from {@code grantor}, appending it when there is none.
     */
    public static List<Item> grant(List<Item> acl, int grantee, int grantor, int privileges, boolean withOption) {
        List<Item> out = new ArrayList<>(acl);
        for (int i = 0; i < out.size(); i++) {
            Item it = out.get(i);
            if (it.grantee() == grantee && it.grantor() == grantor) {
                out.set(i, it.with(it.privileges() | privileges, it.grantOptions() | (withOption ? privileges : 0)));
                return out;
            }
        }
        out.add(new Item(grantee, grantor, privileges, withOption ? privileges : 0));
        return out;
    }

    /**
     * REVOKE: takes {@code privileges} (or with {@code optionOnly} only their grant options) from
     * the item of {@code grantee} from {@code grantor}; an item left with nothing goes. Grants the
     * grantee made with a revoked option are revoked too when {@code cascade}, else they are an
     * error (2BP01), as PostgreSQL's recursive_revoke.
     */
    public static List<Item> revoke(List<Item> acl, int grantee, int grantor, int privileges, boolean optionOnly,
                                    boolean cascade, int owner) {
        List<Item> out = new ArrayList<>(acl);
        int lostOptions = 0;
        for (int i = 0; i < out.size(); i++) {
            Item it = out.get(i);
            if (it.grantee() != grantee || it.grantor() != grantor) {
                continue;
            }
            int options = it.grantOptions() & ~privileges;
            int privs = optionOnly ? it.privileges() : it.privileges() & ~privileges;
            lostOptions = it.grantOptions() & ~options;
            if (privs == 0) {
                out.remove(i);
            } else {
                out.set(i, it.with(privs, options));
            }
            break;
        }
        if (lostOptions != 0 && grantee != owner) {
            out = revokeDependents(out, grantee, lostOptions, cascade, owner);
        }
        return out;
    }

    private static List<Item> revokeDependents(List<Item> acl, int grantor, int lost, boolean cascade, int owner) {
        List<Item> out = acl;
        for (Item it : List.copyOf(acl)) {
            if (it.grantor() != grantor || (it.privileges() & lost) == 0) {
                continue;
            }
            // another grant of the same option to the grantor keeps its grants valid
            if (grantOptionsHeld(out, grantor) != 0 && (grantOptionsHeld(out, grantor) & lost) == lost) {
                continue;
            }
            if (!cascade) {
                throw new PgException(SqlState.DEPENDENT_OBJECTS_STILL_EXIST, "dependent privileges exist")
                        .withHint("Use CASCADE to revoke them too.");
            }
            out = revoke(out, it.grantee(), grantor, it.privileges() & lost, false, true, owner);
        }
        return out;
    }

    private static int grantOptionsHeld(List<Item> acl, int role) {
        int got = 0;
        for (Item i : acl) {
            if (i.grantee() == role) {
                got |= i.grantOptions();
            }
        }
        return got;
    }

    /** ALTER ... OWNER TO: the old owner's items become the new owner's, as PostgreSQL's aclnewowner. */
    public static List<Item> newOwner(List<Item> acl, int oldOwner, int newOwner) {
        if (acl == null) {
            return null;
        }
        List<Item> out = new ArrayList<>();
        for (Item i : acl) {
            Item n = new Item(i.grantee() == oldOwner ? newOwner : i.grantee(),
                    i.grantor() == oldOwner ? newOwner : i.grantor(), i.privileges(), i.grantOptions());
            boolean merged = false;
            for (int k = 0; k < out.size(); k++) {
                Item o = out.get(k);
                if (o.grantee() == n.grantee() && o.grantor() == n.grantor()) {
                    out.set(k, o.with(o.privileges() | n.privileges(), o.grantOptions() | n.grantOptions()));
                    merged = true;
                }
            }
            if (!merged) {
                out.add(n);
            }
        }
        return out;
    }
}
