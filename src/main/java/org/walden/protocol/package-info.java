/** PostgreSQL's v3 wire protocol: message framing and encoders, startup packets, authentication exchanges (trust, password, md5, SCRAM-SHA-256) for both server and client sides. */
package org.walden.protocol;
