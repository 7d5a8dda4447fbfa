// GMP for Swift. gmp.h's mpq_*/mpz_* names are macros Swift cannot see, so Swift calls the
// __gmpq_*/__gmpz_* functions; the helpers that are macros only are wrapped here.
#include <gmp.h>
#include <stdlib.h>

static inline int lab_mpq_sgn(const __mpq_struct *q) { return mpq_sgn(q); }
static inline int lab_mpz_sgn(const __mpz_struct *z) { return mpz_sgn(z); }
static inline __mpz_struct *lab_mpq_numref(__mpq_struct *q) { return mpq_numref(q); }
static inline __mpz_struct *lab_mpq_denref(__mpq_struct *q) { return mpq_denref(q); }
static inline const __mpz_struct *lab_mpq_numref_const(const __mpq_struct *q) { return mpq_numref(q); }
static inline const __mpz_struct *lab_mpq_denref_const(const __mpq_struct *q) { return mpq_denref(q); }
static inline void lab_free(void *p) { free(p); }
