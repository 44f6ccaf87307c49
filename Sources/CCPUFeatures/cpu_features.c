#include "CCPUFeatures.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int lg_cpu_has_avx512f(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    // OSXSAVE: XGETBV may be executed, and tells which register states the OS saves.
    if (!(ecx & (1u << 27))) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    const unsigned wanted = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
    if ((lo & wanted) != wanted) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx >> 16) & 1;
}
#else
int lg_cpu_has_avx512f(void) { return 0; }
#endif
