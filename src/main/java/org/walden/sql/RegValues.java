package org.walden.sql;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.analyze.Analyzer;
import org.walden.sql.analyze.AnalyzerEnv;
import org.walden.sql.analyze.ParamTypes;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.Routine;
import org.walden.sql.func.Builtins;
import org.walden.sql.func.FunctionDef;
import org.walden.sql.func.OperatorDef;
import org.walden.sql.parse.SqlParser;
import org.walden.sql.parse.Tree;
import org.walden.sql.types.PgType;
import org.walden.sql.types.ValueContext;

/**
 * Text input and output of the OID alias types against a session's catalog (PostgreSQL's
 * regproc.c): regclass, regtype, regproc, regprocedure, regoper, regoperator, regnamespace and
 * regrole read names (schema-qualified or along search_path) and print them back, an unknown
 * OID as its number and 0 as "-".
 */
final class RegValues implements ValueContext {

    private final ZoneId zone;
    private final CatalogLookup lookup;

    private final boolean byteaOutputEscape;
    private final int extraFloatDigits;

    RegValues(ZoneId zone, CatalogLookup lookup, boolean byteaOutputEscape, int extraFloatDigits) {
        this.zone = zone;
        this.lookup = lookup;
        this.byteaOutputEscape = byteaOutputEscape;
        this.extraFloatDigits = extraFloatDigits;
    }

    @Override
    public int extraFloatDigits() {
        return extraFloatDigits;
    }

    @Override
    public boolean byteaOutputEscape() {
        return byteaOutputEscape;
    }

    @Override
    public ZoneId zone() {
        return zone;
    }

    /** A built-in or user-defined function by OID, null when neither. */
    private FunctionDef function(long oid) {
        FunctionDef f = Builtins.function((int) oid);
        if (f == null) {
            Routine r = lookup.catalog().routine((int) oid);
            f = r == null ? null : FunctionDef.sqlFunction(r);
        }
        return f;
    }

    @Override
    public String regOut(PgType type, long oid) {
        if (oid == 0) {
            return type == PgType.REGTYPE || type == PgType.REGROLE || type == PgType.REGNAMESPACE ? "-" : "-";
        }
        return switch (type) {
            case REGCLASS -> lookup.regclassOut(oid);
            case REGTYPE -> typeOut(oid);
            case REGPROC -> {
                FunctionDef f = function(oid);
                yield f == null ? null : f.name;
            }
            case REGPROCEDURE -> {
                FunctionDef f = function(oid);
                if (f == null) {
                    yield null;
                }
                List<String> args = new ArrayList<>();
                for (PgType a : f.args) {
                    args.add(a.formatType(-1));
                }
                yield f.name + "(" + String.join(",", args) + ")";
            }
            case REGOPER -> {
                OperatorDef o = Builtins.operator((int) oid);
                yield o == null ? null : o.name();
            }
            case REGOPERATOR -> {
                OperatorDef o = Builtins.operator((int) oid);
                yield o == null ? null : o.name() + "(" + (o.left() == null ? "NONE" : o.left().formatType(-1)) + ","
                        + o.right().formatType(-1) + ")";
            }
            case REGNAMESPACE -> {
                Namespace n = lookup.namespace((int) oid);
                yield n == null ? null : CatalogLookup.quoteIdentifier(n.name());
            }
            case REGROLE -> {
                RoleDef r = lookup.catalog().roleByOid(oid);
                yield r == null ? null : CatalogLookup.quoteIdentifier(r.name());
            }
            default -> null;
        };
    }

    private String typeOut(long oid) {
        PgType t = PgType.byOid((int) oid);
        if (t != null) {
            return t == PgType.BPCHAR ? "character" : t == PgType.BPCHAR_ARRAY ? "character[]" : t.formatType(-1);
        }
        for (Relation r : lookup.catalog().relations()) {
            if (r.rowTypeOid() == oid) {
                return lookup.regclassOut(r.oid());
            }
        }
        return null;
    }

    @Override
    public long regIn(PgType type, String text) {
        if (text.equals("-")) {
            return 0;
        }
        return switch (type) {
            case REGCLASS -> {
                Long oid = lookup.regclassIn(text);
                if (oid == null) {
                    throw new PgException(SqlState.UNDEFINED_TABLE, "relation \"" + text + "\" does not exist");
                }
                yield oid;
            }
            case REGTYPE -> typeIn(text);
            case REGPROC, REGPROCEDURE -> procIn(type, text);
            case REGOPER, REGOPERATOR -> operIn(text);
            case REGNAMESPACE -> {
                Namespace n = lookup.namespace(CatalogLookup.parseQualifiedName(text).get(0));
                if (n == null) {
                    throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + text + "\" does not exist");
                }
                yield n.oid();
            }
            case REGROLE -> {
                RoleDef r = lookup.catalog().role(CatalogLookup.parseQualifiedName(text).get(0));
                if (r == null) {
                    throw new PgException(SqlState.UNDEFINED_OBJECT, "role \"" + text + "\" does not exist");
                }
                yield r.oid();
            }
            default -> throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "cannot look up " + type.typname
                    + " \"" + text + "\"");
        };
    }

    private long typeIn(String text) {
        Tree.Expr e;
        try {
            e = SqlParser.parseExpression("NULL::" + text);
        } catch (PgException ex) {
            throw new PgException(SqlState.SYNTAX_ERROR, "invalid type name \"" + text + "\"");
        }
        if (!(e instanceof Tree.TypeCast c)) {
            throw new PgException(SqlState.SYNTAX_ERROR, "invalid type name \"" + text + "\"");
        }
        try {
            return new Analyzer(new AnalyzerEnv(lookup, this, new ParamTypes(new int[0]))).typeName(c.type())
                    .type().oid;
        } catch (PgException ex) {
            for (Relation r : lookup.catalog().relations()) {
                if (r.name().equals(c.type().name()) && r.rowTypeOid() != 0) {
                    return r.rowTypeOid();
                }
            }
            throw new PgException(SqlState.UNDEFINED_OBJECT, "type \"" + text + "\" does not exist");
        }
    }

    /** True when the comma-separated type names (any spelling: int, int4, integer) are the function's argument types. */
    private boolean sameArgumentTypes(FunctionDef f, String args) {
        String[] names = args.isEmpty() ? new String[0] : args.split(",");
        if (names.length != f.args.size()) {
            return false;
        }
        try {
            for (int i = 0; i < names.length; i++) {
                if (typeIn(names[i].trim()) != f.args.get(i).oid) {
                    return false;
                }
            }
            return true;
        } catch (PgException e) {
            return false;
        }
    }

    private long procIn(PgType type, String text) {
        String name = text;
        String args = null;
        int paren = text.indexOf('(');
        if (type == PgType.REGPROC) {
            if (paren >= 0) { // regprocin takes a name alone
                throw new PgException(SqlState.UNDEFINED_FUNCTION, "function \"" + text + "\" does not exist");
            }
        } else {
            // parseNameAndArgTypes: name, then "(" types ")" and nothing after it
            if (paren < 0) {
                throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "expected a left parenthesis");
            }
            String rest = text.substring(paren + 1).stripTrailing();
            if (!rest.endsWith(")") || rest.indexOf(')') != rest.length() - 1) {
                throw new PgException(SqlState.INVALID_TEXT_REPRESENTATION, "expected a right parenthesis");
            }
            name = text.substring(0, paren).trim();
            args = rest.substring(0, rest.length() - 1).trim();
        }
        List<String> parts = CatalogLookup.parseQualifiedName(name);
        String fn = parts.get(parts.size() - 1);
        List<FunctionDef> defs = new ArrayList<>(Builtins.functions(fn));
        for (Routine r : lookup.catalog().routines(fn)) {
            defs.add(FunctionDef.sqlFunction(r));
        }
        if (args != null) {
            for (FunctionDef f : defs) {
                List<String> want = new ArrayList<>();
                for (PgType a : f.args) {
                    want.add(a.formatType(-1));
                }
                if (String.join(",", want).replace(" ", "").equals(args.replace(" ", ""))
                        || sameArgumentTypes(f, args)) {
                    return f.oid;
                }
            }
            throw new PgException(SqlState.UNDEFINED_FUNCTION, "function \"" + text + "\" does not exist");
        }
        if (defs.isEmpty()) {
            throw new PgException(SqlState.UNDEFINED_FUNCTION, "function \"" + text + "\" does not exist");
        }
        if (defs.size() > 1 && type == PgType.REGPROC) {
            throw new PgException(SqlState.AMBIGUOUS_FUNCTION, "more than one function named \"" + text + "\"");
        }
        return defs.get(0).oid;
    }

    private long operIn(String text) {
        String name = text;
        int paren = text.indexOf('(');
        if (paren >= 0) {
            name = text.substring(0, paren).trim();
        }
        List<OperatorDef> ops = Builtins.operators(name);
        if (ops.isEmpty()) {
            throw new PgException(SqlState.UNDEFINED_FUNCTION, "operator does not exist: " + text);
        }
        if (ops.size() > 1 && paren < 0) {
            throw new PgException(SqlState.AMBIGUOUS_FUNCTION, "more than one operator named " + text);
        }
        return ops.get(0).oid();
    }
}
