/*
 * What Pidgin logs for an MSNP13 switchboard request:
 *
	 * C: NS 000: VER 1 MSNP13 CVR0
	 * S: NS 000: VER 1 MSNP13 CVR0
	 * C: NS 000: XFR 9 SB
	 * S: NS 000: XFR 9 SB 10.0.0.2:1863 CKI 1743299.2458.33 U messenger.msn.com
 */
static void msn_xfr(void);
