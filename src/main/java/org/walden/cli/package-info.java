/** The command-line tools: initdb, ctl, basebackup, controldata, waldump, demo. */
package org.walden.cli;
