/** Configuration parameters (GUCs): definitions, units, sources, session values. */
package org.walden.common.guc;
