/** The startup process: crash recovery, the standby's redo loop, timelines, promotion, rewind. */
package org.walden.recovery;
