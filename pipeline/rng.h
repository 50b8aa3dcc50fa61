/* rng.h — a small, documented, portable pseudo-random generator for reproducible data.
 *
 * xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/), its state filled by splitmix64
 * as its authors recommend. Only 64-bit integer arithmetic: the same seed gives the same numbers
 * on every platform and compiler. A generator is keyed by (seed, stream, index), so item i of a
 * run depends on nothing but the seed and i: `--generate 10` gives the first ten items of
 * `--generate 1000`, and items can be made in any order. Not for anything secret. */
#ifndef PW_RNG_H
#define PW_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* splitmix64's output function (its finaliser, a good 64-bit mixer); mix(0) is 0. */
uint64_t rng_mix64(uint64_t x);

/* The generator for one (seed, stream, index): streams keep kinds of values apart (the
 * campaigns' tasks and the users' items draw from different streams). */
void rng_init(struct rng *r, uint64_t seed, uint64_t stream, uint64_t index);

uint64_t rng_next(struct rng *r);

/* Uniform in [0, n) without modulo bias (n > 0). */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform in [lo, hi] (lo <= hi). */
long rng_range(struct rng *r, long lo, long hi);

#endif
