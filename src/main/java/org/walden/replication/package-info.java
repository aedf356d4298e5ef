/** Physical streaming replication: walsender, walreceiver, synchronous replication, slots, base backup. */
package org.walden.replication;
