/*
 * fuzz_config.c - reading the configuration (bot/config*.c): the input is
 * the file.  Either a configuration comes out, or errors as
 * "file:line: message" lines, never both.  Inputs that name device or
 * kernel files are skipped: the target would read them (password files).
 */
#include "fuzz.h"
#include "bot/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *scratch, *path;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	scratch = fuzz_tmpdir();
	path = g_build_filename(scratch, "mcbot.conf", NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const avoid[] = { "/dev", "/proc", "/sys", "/run", "fd/", NULL };
	GString *errs = g_string_new(NULL);
	struct config *c = NULL;

	for (int i = 0; avoid[i]; i++)
		if (g_strstr_len((const char *)data, (gssize)size, avoid[i]))
			goto out;
	if (!g_file_set_contents(path, (const char *)data, (gssize)size, NULL))
		abort();
	if (config_load(path, &c, errs) == 0) {
		FUZZ_CHECK(c != NULL && errs->len == 0);
		FUZZ_CHECK(c->state_dir != NULL && c->list_address != NULL);
		FUZZ_CHECK(c->max_message_size > 0 && c->parse_cpu_seconds > 0);
		(void)config_is_organizer(c, "org@example.org");
		config_free(c);
	} else {
		FUZZ_CHECK(c == NULL && errs->len > 0);
		FUZZ_CHECK(errs->str[errs->len - 1] == '\n');
	}
out:
	g_string_free(errs, TRUE);
	return 0;
}
