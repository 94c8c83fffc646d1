/*
 * config_secrets.h - whether config_load() reads password files.
 *
 * By default it does, and a password file that cannot be read is an error.
 * Commands that never log in to a server (list, show, export, outbox,
 * parse) turn that off before config_load(): an operator can then run them
 * outside the service, where the files systemd hands over with
 * LoadCredential= ("${CREDENTIALS_DIRECTORY}/name" in the configuration)
 * do not exist.  The passwords in struct config then stay NULL.
 */
#ifndef MCBOT_CONFIG_SECRETS_H
#define MCBOT_CONFIG_SECRETS_H

#include <glib.h>

/* Process-wide; call before config_load(). */
void config_skip_secrets(gboolean skip);

#endif
