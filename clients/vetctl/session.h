/*
 * vetctl/session - the session, deadline and `report sessions` commands of
 * vetctl, with their own flags, time-zone display and calendar
 * export; see session.c.
 */
#ifndef VA_VETCTL_SESSION_H
#define VA_VETCTL_SESSION_H

#include <stdio.h>

/* vetctl_session_usage - the usage lines of these commands. */
void vetctl_session_usage(FILE *out);

/* vetctl_session_wants - 1 when argv names one of these commands. */
int vetctl_session_wants(int argc, char **argv);

/* vetctl_session_main - run it; returns the exit status (sysexits). */
int vetctl_session_main(int argc, char **argv);

#endif
