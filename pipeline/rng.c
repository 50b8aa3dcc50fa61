/* rng.c — xoshiro256** seeded by splitmix64 (see rng.h). */
#include "pipeline/rng.h"

uint64_t rng_mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

void rng_init(struct rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    /* One splitmix64 sequence per key; its first four outputs are the state. splitmix64 never
     * gives four zeros in a row, the one state xoshiro must not start from. */
    uint64_t x = rng_mix64(seed ^ rng_mix64(stream ^ rng_mix64(index + 0x9E3779B97F4A7C15ULL)));
    for (int i = 0; i < 4; i++) {
        x += 0x9E3779B97F4A7C15ULL;
        r->s[i] = rng_mix64(x);
    }
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    /* Rejects the top partial range of 2^64 so that every value is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= limit);
    return x % n;
}

long rng_range(struct rng *r, long lo, long hi)
{
    return lo + (long)rng_below(r, (uint64_t)(hi - lo) + 1);
}
