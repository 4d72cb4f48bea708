/*
 * defaults - the reference data a fresh state starts with (five partners,
 * the key sectors, the partner x sector interest matrix), read from ZPL
 * (daemon/data/defaults.zpl, compiled in) and turned into ordinary
 * commands, so loading it produces ordinary events.
 */
#ifndef VA_DEFAULTS_H
#define VA_DEFAULTS_H

#include <stddef.h>

#include "state/model.h"

extern const unsigned char va_defaults_zpl[];
extern const size_t va_defaults_zpl_len;

/*
 * defaults_parse - parse ZPL text into commands, in the order they must
 * run: partners, sectors, interests.  *cmds_p receives an array the
 * caller releases with defaults_free().
 * Returns 0, or -VA_INVALID_ARGUMENT with a message naming the entry.
 */
int defaults_parse(const char *zpl, cmd_t **cmds_p, size_t *n_p, char *err, size_t errlen);

void defaults_free(cmd_t **cmds_p, size_t n);

#endif
