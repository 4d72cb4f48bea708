/*
 * vetctl/mobility_print - what vetctl prints for mobilities: the
 * readiness checklist of `mobility show`, the certificate document of
 * `mobility certificate`, and `report mobilities` (counts and days by
 * partner x band x format, and by status) as a table, CSV or JSON.
 * Each returns 0, or -1 when output fails or memory runs out.
 */
#ifndef VA_VETCTL_MOBILITY_H
#define VA_VETCTL_MOBILITY_H

#include <vetalliance/client.h>

int vetctl_mobility_show(const va_reply_t *reply, int json);
int vetctl_mobility_certificate(const va_reply_t *reply, int json);
int vetctl_mobility_report(const va_reply_t *reply, int json, int csv);

/* vetctl_parse_ymd - "2021-03-01" as 20210301; 0 when not a date. */
int vetctl_parse_ymd(const char *s);

#endif
