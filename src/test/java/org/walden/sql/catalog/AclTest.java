package org.walden.sql.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;

/**
 * ACL items in PostgreSQL's text form and the GRANT / REVOKE arithmetic on them: defaults per
 * object type, grant options marked with '*', PUBLIC as an empty grantee, quoted role names,
 * a revoked grant option taking the grants made with it only under CASCADE, and a new owner
 * taking the old one's items.
 */
class AclTest {

    private static final int OWNER = 10;
    private static final int ALICE = 16384;
    private static final int BOB = 16385;
    private static final Map<Integer, String> NAMES = Map.of(OWNER, "postgres", ALICE, "alice", BOB, "Bob Two");

    private static String text(List<Acl.Item> acl) {
        return String.join(",", Acl.formatAll(acl, NAMES::get).stream().map(Object::toString).toList());
    }

    @Test
    void defaultsAndTextForm() {
        assertThat(text(Acl.defaultAcl(Acl.ObjectType.TABLE, OWNER))).isEqualTo("postgres=arwdDxt/postgres");
        assertThat(text(Acl.defaultAcl(Acl.ObjectType.SEQUENCE, OWNER))).isEqualTo("postgres=rwU/postgres");
        assertThat(text(Acl.defaultAcl(Acl.ObjectType.FUNCTION, OWNER))).isEqualTo("=X/postgres,postgres=X/postgres");
        assertThat(text(Acl.defaultAcl(Acl.ObjectType.DATABASE, OWNER)))
                .isEqualTo("=Tc/postgres,postgres=CTc/postgres");
        assertThat(text(Acl.defaultAcl(Acl.ObjectType.SCHEMA, OWNER))).isEqualTo("postgres=UC/postgres");
        List<Acl.Item> acl = Acl.grant(List.of(), BOB, OWNER, Acl.SELECT | Acl.UPDATE, true);
        acl = Acl.grant(acl, Acl.PUBLIC, OWNER, Acl.SELECT, false);
        assertThat(text(acl)).isEqualTo("\"Bob Two\"=r*w*/postgres,=r/postgres");
        assertThat(Acl.format(new Acl.Item(99999, OWNER, Acl.INSERT, 0), NAMES::get)).isEqualTo("99999=a/postgres");
        Acl.Item parsed = Acl.parse("alice=r*w/postgres", n -> n.equals("alice") ? ALICE : n.equals("postgres")
                ? OWNER : -1);
        assertThat(parsed).isEqualTo(new Acl.Item(ALICE, OWNER, Acl.SELECT | Acl.UPDATE, Acl.SELECT));
    }

    @Test
    void revokingAGrantOptionNeedsCascadeForTheGrantsMadeWithIt() {
        List<Acl.Item> acl = Acl.grant(Acl.defaultAcl(Acl.ObjectType.TABLE, OWNER), ALICE, OWNER, Acl.SELECT, true);
        acl = Acl.grant(acl, BOB, ALICE, Acl.SELECT, false);
        List<Acl.Item> withDependents = acl;
        assertThatThrownBy(() -> Acl.revoke(withDependents, ALICE, OWNER, Acl.SELECT, true, false, OWNER))
                .isInstanceOf(PgException.class).hasMessage("dependent privileges exist");
        List<Acl.Item> optionOnly = Acl.revoke(acl, ALICE, OWNER, Acl.SELECT, true, true, OWNER);
        assertThat(text(optionOnly)).isEqualTo("postgres=arwdDxt/postgres,alice=r/postgres");
        List<Acl.Item> all = Acl.revoke(acl, ALICE, OWNER, Acl.SELECT, false, true, OWNER);
        assertThat(text(all)).isEqualTo("postgres=arwdDxt/postgres");
    }

    @Test
    void aNewOwnerTakesTheOldOwnersItems() {
        List<Acl.Item> acl = Acl.grant(Acl.defaultAcl(Acl.ObjectType.TABLE, OWNER), ALICE, OWNER, Acl.SELECT, false);
        assertThat(text(Acl.newOwner(acl, OWNER, BOB)))
                .isEqualTo("\"Bob Two\"=arwdDxt/\"Bob Two\",alice=r/\"Bob Two\"");
        assertThat(Acl.newOwner(null, OWNER, BOB)).isNull();
    }
}
