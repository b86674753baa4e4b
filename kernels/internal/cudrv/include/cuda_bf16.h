// __nv_bfloat16 for the host emulator: bfloat16 storage and the
// conversions the kernels use, rounding to nearest even.
#pragma once

#include <stdint.h>
#include <string.h>

struct __nv_bfloat16 {
    uint16_t bits;
};

inline __nv_bfloat16 __float2bfloat16_rn(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return __nv_bfloat16{(uint16_t)((x >> 16) | 0x40)};
    x += 0x7fffu + ((x >> 16) & 1);
    return __nv_bfloat16{(uint16_t)(x >> 16)};
}

inline float __bfloat162float(__nv_bfloat16 b) {
    const uint32_t x = (uint32_t)b.bits << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}
