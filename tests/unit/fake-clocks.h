/* Fake monotonic and wall clocks for the unit tests of the time model
 * (ffc_clock_set_readers): they stand still until the test moves them. */
#ifndef FAKE_CLOCKS_H
#define FAKE_CLOCKS_H

#include "ffc-clock.h"

typedef struct {
  gint64 mono, wall; /* µs */
} Clocks;

static inline gint64
fake_clocks_mono (gpointer data)
{
  return ((Clocks *)data)->mono;
}

static inline gint64
fake_clocks_wall (gpointer data)
{
  return ((Clocks *)data)->wall;
}

/* The time model reads `clocks` until ffc_clock_set_readers (NULL, ...) */
static inline void
fake_clocks_install (Clocks *clocks)
{
  ffc_clock_set_readers (fake_clocks_mono, fake_clocks_wall, clocks);
}

#endif
