/*
 * rules_file - reading the partners' mobility rules (state/rules.h) from
 * ZPL text with czmq's zconfig.  The shipped rules are
 * daemon/data/rules.zpl, compiled in; the format is docs/RULES.md.
 *
 * Parsing is strict: an unknown section or key, a malformed span, date,
 * window or policy is an error naming the file and the key's path, so a
 * typo never silently drops a rule.
 */
#ifndef VA_RULES_FILE_H
#define VA_RULES_FILE_H

#include <stddef.h>

#include "state/rules.h"

extern const unsigned char va_rules_zpl[];
extern const size_t va_rules_zpl_len;

#define RULES_BUILT_IN "built-in"

/*
 * rules_parse - rules from ZPL text.  `source` names it in messages and
 * in the result.  Returns 0 and *out (free with rules_free), or
 * -VA_INVALID_ARGUMENT with a message in err.
 */
int rules_parse(const char *text, const char *source, rules_t **out, char *err, size_t errlen);

/*
 * rules_load - rules_parse of the file at `path`, or of the compiled-in
 * rules when path is NULL or "".  A file that cannot be read is
 * -VA_NOT_FOUND (or -VA_INTERNAL) with a message naming it.
 */
int rules_load(const char *path, rules_t **out, char *err, size_t errlen);

#endif
