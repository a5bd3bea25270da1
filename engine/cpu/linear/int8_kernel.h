// Which integer GEMM runs an int8 Linear on Backend::kCpu (int8_gemm.h says what each one
// computes and how exactly). kAuto picks the fastest exact one for this CPU; tests and
// ExecutorOptions may force another.
#pragma once

namespace qtx::cpu {

enum class Int8Kernel { kAuto, kOneDnn, kAvx2, kReference };

// What kAuto resolves to on this CPU (and ONEDNN_MAX_CPU_ISA): oneDNN where it multiplies
// with VNNI or AMX, else the AVX2 kernel, else the reference loops.
Int8Kernel best_int8_kernel();
const char* int8_kernel_name(Int8Kernel kernel);

}  // namespace qtx::cpu
