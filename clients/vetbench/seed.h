/*
 * vetbench/seed - the consortium benchmark state: what a large national
 * consortium holds after ten years, made through the daemon's own
 * commands (seed.c says how).  The daemon must run with its
 * fake clock (VETALLIANCE_FAKE_NOW_FILE) on `clock_file`, which the seed
 * moves forward year by year, and in plain mode or with an
 * administrator's keys.
 */
#ifndef VA_VETBENCH_SEED_H
#define VA_VETBENCH_SEED_H

#include <stddef.h>
#include <stdint.h>

#include <vetalliance/client.h>

#define SEED_PARTNERS 5
#define SEED_SECTORS  10

/* The ten key sectors of the reference data (daemon/data/defaults.zpl). */
extern char *const seed_sectors[SEED_SECTORS];

/* The counts of a scale (1.0: the large consortium). */
struct seed_sizes {
	unsigned centres;
	unsigned alliances;
	unsigned mobilities_per_year;
	unsigned sessions_per_year;
	unsigned deadlines_per_year;
};

struct seed_cfg {
	const char *endpoint;
	const char *clock_file;
	double scale;
	unsigned window;
	int timeout_ms;
	const va_keys_t *keys; /* or NULL */
	int progress;          /* a line on stderr per year */
};

struct seed_result {
	uint64_t commands;
	uint64_t last_seq;
	double seconds;
	int64_t now_ms; /* the daemon's clock at the end */
	struct seed_sizes sizes;
};

/* seed_sizes - the counts of `scale` (at least a few of each). */
void seed_sizes(double scale, struct seed_sizes *z);

/*
 * seed_consortium - make the state.  Returns 0, or a sysexits code after
 * a message on stderr: a refused command (the first few are printed), a
 * daemon that stops answering, a clock file that cannot be written.
 */
int seed_consortium(const struct seed_cfg *cfg, struct seed_result *res);

/* The ids the seed gives, for the consortium mix: centre i (from 0) and
 * its partner, mobility k of a year, session k of a year, alliance a. */
void seed_centre_id(char *buf, size_t len, unsigned i);
const char *seed_centre_partner(unsigned i);
void seed_mobility_id(char *buf, size_t len, unsigned year, unsigned k);
void seed_session_id(char *buf, size_t len, unsigned year, unsigned k);
void seed_alliance_id(char *buf, size_t len, unsigned a);

#endif
