// What the CPU and the operating system let this process run, read once with `cpuid`.
//
// Swift has no `cpuid`; the engine asks here before it calls code compiled for wider vector
// units than its own AVX2 baseline (the AVX512Kernels target).
#ifndef CCPUFEATURES_H
#define CCPUFEATURES_H

/// Whether AVX-512 Foundation instructions run here: the CPU has them (cpuid leaf 7, EBX bit
/// 16) and the operating system saves the opmask and all 512-bit registers (XCR0 bits 1, 2,
/// 5, 6 and 7). 0 on other architectures.
int lg_cpu_has_avx512f(void);

#endif
