/*
 * fuzz_command.c - the organizers' command parser (handlers/command.c):
 * the Subject line, then the text, as struct mail gives them (clean).
 * The parse, the transcript and the confirmation script must hold up, and
 * the limits of command_p.h must hold.
 */
#include "fuzz.h"
#include "bot/util.h"
#include "handlers/command.h"
#include "handlers/command_p.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_string(data, size), *nl = strchr(in, '\n');
	char *subject, *text, *out, *utc = NULL, *written = NULL;
	struct cmd_script *s;
	int changing = 0;

	if (nl)
		*nl = '\0';
	subject = util_clean_line(in, 2000);
	text = util_clean_text(nl ? nl + 1 : "", 256 * 1024);
	s = cmd_parse(size % 2 ? subject : NULL, text);
	FUZZ_CHECK(s != NULL && s->cmds != NULL);
	FUZZ_CHECK((int)s->cmds->len <= CMD_MAX_LINES + 1);
	for (guint i = 0; i < s->cmds->len; i++) {
		struct cmd *c = s->cmds->pdata[i];

		FUZZ_CHECK(c->line != NULL && strlen(c->line) <= CMD_MAX_LINE);
		FUZZ_CHECK(fuzz_line_clean(c->line));
		FUZZ_CHECK(c->args != NULL && fuzz_line_clean(c->args));
		FUZZ_CHECK(cmd_verb_name(c->verb) != NULL);
		changing += cmd_verb_changes(c->verb);
		if (i % 3 == 1)     /* results as command_exec.c sets them */
			cmd_fail(s, c, "no such MC: %s", c->args);
		else if (i % 3 == 2)
			cmd_done(c, "%s", c->line);
	}
	(void)changing;
	(void)cmd_script_changes(s);
	(void)cmd_script_count(s, CMD_PENDING);
	out = cmd_transcript(s);
	FUZZ_CHECK(out != NULL && g_utf8_validate(out, -1, NULL));
	g_free(out);
	out = cmd_script_lines(s);
	FUZZ_CHECK(out != NULL);
	g_free(out);
	cmd_script_free(s);

	/* the deadline argument's own parser */
	{
		GString *err = g_string_new(NULL);

		if (command_deadline_parse(subject, &written, &utc, err) == 0) {
			FUZZ_CHECK(fuzz_line_clean(written) && fuzz_line_clean(utc));
		}
		g_string_free(err, TRUE);
	}
	g_free(written);
	g_free(utc);
	g_free(text);
	g_free(subject);
	g_free(in);
	return 0;
}
