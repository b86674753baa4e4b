// __half for the host emulator: IEEE binary16 storage and the conversions
// the kernels use, rounding to nearest even like the device's.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

struct __half {
    uint16_t bits;
};

inline __half __float2half_rn(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return __half{(uint16_t)(sign | (ax > 0x7f800000u ? 0x7e00 : 0x7c00))};
    if (ax >= 0x477ff000u) return __half{(uint16_t)(sign | 0x7c00)};  // 65520 and up round to infinity
    if (ax < 0x38800000u) {                                            // below 2^-14: subnormal or zero
        float a;
        memcpy(&a, &ax, 4);
        return __half{(uint16_t)(sign | (uint16_t)nearbyintf(a * 16777216.0f))};
    }
    uint32_t h = (((ax >> 23) - 112) << 10) | ((ax & 0x7fffff) >> 13);
    const uint32_t rem = ax & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
    return __half{(uint16_t)(sign | h)};
}

inline float __half2float(__half h) {
    const uint32_t sign = (uint32_t)(h.bits & 0x8000) << 16;
    const uint32_t e = (h.bits >> 10) & 0x1f, m = h.bits & 0x3ff;
    uint32_t x;
    if (e == 0x1f) {
        x = sign | 0x7f800000u | (m << 13);
    } else if (e != 0) {
        x = sign | ((e + 112) << 23) | (m << 13);
    } else {
        float f = (float)m / 16777216.0f;
        return sign ? -f : f;
    }
    float f;
    memcpy(&f, &x, 4);
    return f;
}
