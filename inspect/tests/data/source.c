/* Ask the notification server for a switchboard: XFR <trid> SB. */
static int request_switchboard(struct conn *c)
{
	char line[64];
	snprintf(line, sizeof line, "XFR %u SB\r\n", c->trid++);
	return conn_write(c, line);
}

static void on_command(struct conn *c, const char *verb, char **args)
{
	if (strcmp(verb, "XFR") == 0)
		handle_xfr(c, args); /* XFR 12 SB 10.0.0.5:1863 CKI 123.456 */
	else if (strcmp(verb, "913") == 0)
		log_warn("913 %s: hidden", args[0]);
}

# Python, for the same:
#   self.send("XFR", self.trid, "SB")
#   if cmd == 'XFR': self.on_xfr(args)
