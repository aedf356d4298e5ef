package org.walden.sql.func;

import static org.walden.sql.types.PgType.*;

import java.util.function.BiPredicate;
import org.walden.sql.types.InetValue;

/** inet and cidr functions and operators (PostgreSQL's network.c): family, host, masklen, network, <<, >>=, ... */
final class NetworkFunctions {

    private NetworkFunctions() {
    }

    static void register(Builtins r) {
        r.f("family", INT4, INET).impl(a -> inet(a[0]).family());
        r.f("host", TEXT, INET).impl(a -> inet(a[0]).host());
        r.f("masklen", INT4, INET).impl(a -> inet(a[0]).bits());
        r.f("network", CIDR, INET).impl(a -> inet(a[0]).network());
        r.f("broadcast", INET, INET).impl(a -> inet(a[0]).broadcast());
        r.f("netmask", INET, INET).impl(a -> inet(a[0]).netmask(false));
        r.f("hostmask", INET, INET).impl(a -> inet(a[0]).netmask(true));
        r.f("text", TEXT, INET).impl(a -> inet(a[0]).withMask());
        r.f("abbrev", TEXT, INET).impl(a -> inet(a[0]).abbrev());
        r.f("abbrev", TEXT, CIDR).impl(a -> inet(a[0]).abbrev());
        r.f("set_masklen", INET, INET, INT4).impl(a -> inet(a[0]).withBits((Integer) a[1], false));
        r.f("set_masklen", CIDR, CIDR, INT4).impl(a -> inet(a[0]).withBits((Integer) a[1], true));
        r.f("inet_same_family", BOOL, INET, INET).impl(a -> inet(a[0]).family() == inet(a[1]).family());
        containment(r, "<<", "network_sub", (x, y) -> y.contains(x, true), ">>");
        containment(r, "<<=", "network_subeq", (x, y) -> y.contains(x, false), ">>=");
        containment(r, ">>", "network_sup", (x, y) -> x.contains(y, true), "<<");
        containment(r, ">>=", "network_supeq", (x, y) -> x.contains(y, false), "<<=");
        containment(r, "&&", "network_overlap", InetValue::overlaps, "&&");
    }

    private static void containment(Builtins r, String op, String name, BiPredicate<InetValue, InetValue> test,
                                    String commutator) {
        FunctionDef f = r.f(name, BOOL, INET, INET).impl(a -> test.test(inet(a[0]), inet(a[1])));
        r.addOperator(op, INET, INET, BOOL, f, commutator, null, false, 0);
    }

    private static InetValue inet(Object v) {
        if (v instanceof java.net.InetAddress a) {
            return new InetValue(a.getAddress(), a.getAddress().length * 8, false);
        }
        return (InetValue) v;
    }
}
