//go:build cudaemu && cgo

// The emulator's scheduler: a block's threads are fibers run one at a
// time on the launching thread, switching only at __syncthreads, warp
// collectives and exit. The order in which ready fibers are preferred, and
// whether cp.async copies land at once or only at cp.async.wait_group,
// are chosen per launch (EVALCLIP_EMU_SCHEDULE, EVALCLIP_EMU_CPASYNC) so
// that a missing barrier shows up as a wrong result under some order.
#include "emu_runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

// Fiber contexts. On x86-64 a switch saves the callee-saved registers and
// the floating-point control words on the old stack and swaps stack
// pointers (no system call, unlike swapcontext's signal-mask save); other
// machines use ucontext.
#if defined(__x86_64__)
extern "C" void emu_switch(void** from, void* to);
asm(R"(
    .text
    .globl emu_switch
    .type emu_switch, @function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch, .-emu_switch
    .section .note.GNU-stack,"",@progbits
    .text
)");

namespace {
struct Ctx {
    void* sp = nullptr;
};
inline void ctxSwitch(Ctx& from, Ctx& to) { emu_switch(&from.sp, to.sp); }
// ctxMake prepares c to start entry on the stack [stack, stack+size).
inline void ctxMake(Ctx& c, char* stack, size_t size, void (*entry)()) {
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t* sp = (uint64_t*)top;
    *--sp = 0;                      // entry never returns
    *--sp = (uint64_t)(uintptr_t)entry;  // popped by ret
    for (int i = 0; i < 6; ++i) *--sp = 0;  // rbp rbx r12-r15
    --sp;
    uint32_t mx = 0x1f80;
    uint16_t cw = 0x037f;
    memcpy(sp, &mx, 4);
    memcpy((char*)sp + 4, &cw, 2);
    c.sp = sp;
}
}  // namespace
#else
namespace {
struct Ctx {
    ucontext_t uc;
};
inline void ctxSwitch(Ctx& from, Ctx& to) { swapcontext(&from.uc, &to.uc); }
inline void ctxMake(Ctx& c, char* stack, size_t size, void (*entry)()) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = size;
    c.uc.uc_link = nullptr;
    makecontext(&c.uc, entry, 0);
}
}  // namespace
#endif

namespace emu {

uint3v block_idx, block_dim, grid_dim;

namespace {

const size_t kStack = 256 << 10;
const int kMaxThreads = 1024;

struct Copy {
    uint32_t dst;
    const void* src;
    int n;
    int group;
};

enum State { kReady, kWaitBlock, kWaitWarp, kDone };

}  // namespace

struct Thread {
    Ctx ctx;
    char* stack = nullptr;
    uint3v tid;
    int warp = 0, lane = 0;
    State st = kDone;
    std::vector<Copy> copies;
    int group = 0;  // the open (uncommitted) cp.async group
};

namespace {

struct Warp {
    int live = 0, arrived = 0;
    WarpOp op = nullptr;
    bool present[32];
    uint32_t in[32][kInWords];
    uint32_t out[32][kOutWords];
};

struct Kernels {
    std::map<std::string, void (*)(void**)> byName;
};
Kernels& kernels() {
    static Kernels k;
    return k;
}

std::mutex launchMu;  // one launch at a time: the scheduler state is global
std::vector<Thread> threads(kMaxThreads);
// Ready threads as a bit set over positions in the launch's thread order.
int posOf[kMaxThreads], atPos[kMaxThreads];
uint64_t ready[kMaxThreads / 64];

void setState(Thread& t, State st) {
    const int p = posOf[&t - threads.data()];
    if (st == kReady) {
        ready[p >> 6] |= 1ull << (p & 63);
    } else {
        ready[p >> 6] &= ~(1ull << (p & 63));
    }
    t.st = st;
}

// firstReady returns the first ready thread in the order, or -1.
int firstReady(int n) {
    for (int w = 0; w < (n + 63) / 64; ++w)
        if (ready[w]) return atPos[64 * w + __builtin_ctzll(ready[w])];
    return -1;
}
Warp warps[kMaxThreads / 32];
Thread* cur = nullptr;
Ctx schedCtx;
int blockLive = 0, blockArrived = 0;
bool eagerCopies = false;
std::string launchErr;

// The block's shared memory: slots placed in declaration order.
const size_t kArena = 228 << 10;    // the most a multiprocessor has
const size_t kStaticMax = 48 << 10;  // the most a block may declare statically
alignas(256) char arena[kArena];
size_t arenaUsed = 0, arenaDirty = kArena;
std::vector<long> slotOffset;  // -1: not placed in this block
int nextSlot = 0;
void (*curInvoke)(void**) = nullptr;
void** curParams = nullptr;

void yield() { ctxSwitch(cur->ctx, schedCtx); }

void complete(Warp& w) {
    int n = 0;
    for (int l = 0; l < 32; ++l) n += w.present[l];
    if (n != 32) fail("a warp collective ran with %d of 32 lanes (the others exited): undefined on a GPU", n);
    w.op(w.in, w.out, w.present);
    w.arrived = 0;
    int wi = (int)(&w - warps);
    for (int l = 0; l < 32; ++l) {
        w.present[l] = false;
        Thread& t = threads[wi * 32 + l];
        if (t.st == kWaitWarp) setState(t, kReady);
    }
}

void releaseBlock() {
    blockArrived = 0;
    int n = (int)(block_dim.x * block_dim.y * block_dim.z);
    for (int i = 0; i < n; ++i)
        if (threads[i].st == kWaitBlock) setState(threads[i], kReady);
}

void runCopy(const Copy& c) {
    char* d = sptr(c.dst, 16);
    memcpy(d, c.src, c.n);
    memset(d + c.n, 0, 16 - c.n);
}

void fiberMain() {
    curInvoke(curParams);
    Thread* t = cur;
    for (const Copy& c : t->copies) runCopy(c);
    t->copies.clear();
    setState(*t, kDone);
    Warp& w = warps[t->warp];
    --w.live;
    if (w.arrived > 0 && w.arrived == w.live) complete(w);
    --blockLive;
    if (blockArrived > 0 && blockArrived == blockLive) releaseBlock();
    ctxSwitch(t->ctx, schedCtx);
    abort();  // never resumed
}

// runBlock runs every thread of the current block to completion, always
// resuming the first ready thread in order: a warp runs as far ahead of the
// others as the barriers let it, which is what exposes a missing one.
// false on a deadlock (recorded in launchErr).
bool runBlock(int n, const std::vector<int>& order) {
    memset(arena, 0xff, arenaDirty);
    arenaDirty = arenaUsed = 0;
    std::fill(slotOffset.begin(), slotOffset.end(), -1);
    // Fibers a deadlocked block left waiting must not be woken by this one.
    for (Thread& t : threads) t.st = kDone;
    std::fill(ready, ready + kMaxThreads / 64, 0);
    for (int p = 0; p < n; ++p) {
        posOf[order[p]] = p;
        atPos[p] = order[p];
    }
    for (int i = 0; i < n; ++i) {
        Thread& t = threads[i];
        if (!t.stack) {
            t.stack = (char*)mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (t.stack == MAP_FAILED) {
                t.stack = nullptr;
                fail("cannot map a %zu-byte fiber stack", kStack);
                return false;
            }
        }
        ctxMake(t.ctx, t.stack, kStack, fiberMain);
        t.tid = {(unsigned)(i % block_dim.x), (unsigned)(i / block_dim.x % block_dim.y), (unsigned)(i / (block_dim.x * block_dim.y))};
        t.warp = i / 32;
        t.lane = i % 32;
        setState(t, kReady);
        t.copies.clear();
        t.group = 0;
    }
    for (int w = 0; w < (n + 31) / 32; ++w) {
        warps[w].live = std::min(32, n - 32 * w);
        warps[w].arrived = 0;
        std::fill(warps[w].present, warps[w].present + 32, false);
    }
    blockLive = n;
    blockArrived = 0;
    for (;;) {
        const int i = firstReady(n);
        if (i < 0) break;
        cur = &threads[i];
        ctxSwitch(schedCtx, cur->ctx);
        cur = nullptr;
    }
    if (blockLive == 0) return true;
    int atBlock = 0, atWarp = 0;
    for (int i = 0; i < n; ++i) {
        atBlock += threads[i].st == kWaitBlock;
        atWarp += threads[i].st == kWaitWarp;
    }
    fail("deadlock in block (%u,%u,%u): %d threads wait at __syncthreads, %d at warp collectives, %d exited",
         block_idx.x, block_idx.y, block_idx.z, atBlock, atWarp, n - atBlock - atWarp);
    return false;
}

}  // namespace

const uint3v& thread_idx() { return cur->tid; }

int lane() { return cur->lane; }

void syncthreads() {
    if (++blockArrived == blockLive) {
        releaseBlock();
        return;
    }
    setState(*cur, kWaitBlock);
    yield();
}

void collective(WarpOp op, const uint32_t* in, int nin, uint32_t* out, int nout) {
    Warp& w = warps[cur->warp];
    if (w.arrived == 0) {
        w.op = op;
    } else if (w.op != op) {
        fail("lanes of warp %d reached different warp collectives", cur->warp);
    }
    memcpy(w.in[cur->lane], in, 4 * (size_t)nin);
    w.present[cur->lane] = true;
    const int l = cur->lane;
    if (++w.arrived == w.live) {
        complete(w);
    } else {
        setState(*cur, kWaitWarp);
        yield();
    }
    memcpy(out, w.out[l], 4 * (size_t)nout);
}

void fail(const char* fmt, ...) {
    if (!launchErr.empty()) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    launchErr = buf;
    if (cur) {
        char where[96];
        snprintf(where, sizeof where, " (block (%u,%u,%u), thread (%u,%u,%u))", block_idx.x, block_idx.y, block_idx.z,
                 cur->tid.x, cur->tid.y, cur->tid.z);
        launchErr += where;
    }
}

int shared_slot() {
    slotOffset.push_back(-1);
    return nextSlot++;
}

void* shared_array(int slot, size_t bytes, size_t align) {
    long& off = slotOffset[(size_t)slot];
    if (off < 0) {
        const size_t at = (arenaUsed + align - 1) / align * align;
        if (at + bytes > kStaticMax) {
            fail("the block declares %zu bytes of shared memory, more than the %zu a block may declare statically", at + bytes,
                 kStaticMax);
            return arena;
        }
        off = (long)at;
        arenaUsed = at + bytes;
        arenaDirty = std::max(arenaDirty, arenaUsed);
    }
    return arena + off;
}

uint32_t saddr(const void* p) {
    const char* c = (const char*)p;
    if (c < arena || c >= arena + arenaUsed) {
        fail("a shared-memory address taken of %p, which is not in the block's shared memory", p);
        return 0;
    }
    return (uint32_t)(c - arena);
}

char* sptr(uint32_t a, size_t n) {
    if (a + n > arenaUsed) {
        fail("%zu bytes at shared-memory address %u run past the block's shared memory (%zu bytes)", n, a, arenaUsed);
        return arena;
    }
    return arena + a;
}

void cp_async(uint32_t dst, const void* src, int n) {
    if ((dst & 15) || ((uintptr_t)src & 15)) {
        fail("cp.async of 16 bytes from %p to a shared address %u: both must be 16-byte aligned", src, dst);
        return;
    }
    Copy c{dst, src, n, cur->group};
    if (eagerCopies) {
        runCopy(c);
    } else {
        cur->copies.push_back(c);
    }
}

void cp_async_commit() { ++cur->group; }

void cp_async_wait(int keep) {
    // Committed groups are those below the open one; all but the newest
    // keep of them must be complete.
    const int done = cur->group - keep;
    std::vector<Copy>& cs = cur->copies;
    size_t w = 0;
    for (size_t i = 0; i < cs.size(); ++i) {
        if (cs[i].group < done) {
            runCopy(cs[i]);
        } else {
            cs[w++] = cs[i];
        }
    }
    cs.resize(w);
}

bool register_kernel(const char* name, void (*invoke)(void**)) {
    kernels().byName[name] = invoke;
    return true;
}

}  // namespace emu

using namespace emu;

namespace {

struct Alloc {
    uintptr_t base;
    size_t maplen;
    uintptr_t start;
    size_t n;
};
std::mutex allocMu;
std::map<uintptr_t, Alloc> allocs;  // by start

size_t roundUp(size_t n, size_t m) { return (n + m - 1) / m * m; }

}  // namespace

extern "C" int emu_has_kernel(const char* name) { return kernels().byName.count(name) ? 1 : 0; }

extern "C" uintptr_t emu_alloc(size_t n) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t body = roundUp(std::max<size_t>(n, 1), page);
    const size_t maplen = body + 2 * page;
    void* m = mmap(nullptr, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return 0;
    char* base = (char*)m;
    mprotect(base, page, PROT_NONE);
    mprotect(base + page + body, page, PROT_NONE);
    // The buffer ends as close to the upper guard page as a 256-byte
    // aligned start allows, so overruns fault.
    char* start = base + page + (body - roundUp(std::max<size_t>(n, 1), 256));
    memset(start, 0xff, n);
    std::lock_guard<std::mutex> g(allocMu);
    allocs[(uintptr_t)start] = Alloc{(uintptr_t)base, maplen, (uintptr_t)start, n};
    return (uintptr_t)start;
}

extern "C" int emu_free(uintptr_t p) {
    std::lock_guard<std::mutex> g(allocMu);
    auto it = allocs.find(p);
    if (it == allocs.end()) return -1;
    munmap((void*)it->second.base, it->second.maplen);
    allocs.erase(it);
    return 0;
}

extern "C" int emu_check(uintptr_t p, size_t n) {
    std::lock_guard<std::mutex> g(allocMu);
    auto it = allocs.upper_bound(p);
    if (it == allocs.begin()) return 0;
    --it;
    const Alloc& a = it->second;
    return p >= a.start && p + n <= a.start + a.n && p + n >= p;
}

extern "C" int emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, void** params, char* err, int errlen) {
    auto setErr = [&](const std::string& s) {
        snprintf(err, (size_t)errlen, "%s", s.c_str());
        return -1;
    };
    auto it = kernels().byName.find(name);
    if (it == kernels().byName.end()) return setErr(std::string("no kernel ") + name);
    const long n = (long)bx * by * bz;
    if (bx < 1 || by < 1 || bz < 1 || n > kMaxThreads || bz > 64) return setErr("invalid block dimensions");
    if (gx < 1 || gy < 1 || gz < 1 || gy > 65535 || gz > 65535) return setErr("invalid grid dimensions");
    std::lock_guard<std::mutex> g(launchMu);
    launchErr.clear();
    const char* mode = getenv("EVALCLIP_EMU_CPASYNC");
    eagerCopies = mode && strcmp(mode, "eager") == 0;
    std::vector<int> order((size_t)n);
    for (int i = 0; i < n; ++i) order[i] = i;
    const char* sched = getenv("EVALCLIP_EMU_SCHEDULE");
    std::mt19937_64 rng(1);
    bool shuffle = false;
    if (sched && strcmp(sched, "reverse") == 0) {
        std::reverse(order.begin(), order.end());
    } else if (sched && strncmp(sched, "shuffle:", 8) == 0) {
        rng.seed(strtoull(sched + 8, nullptr, 10));
        shuffle = true;
    }
    block_dim = {(unsigned)bx, (unsigned)by, (unsigned)bz};
    grid_dim = {(unsigned)gx, (unsigned)gy, (unsigned)gz};
    curInvoke = it->second;
    curParams = params;
    for (int z = 0; z < gz; ++z)
        for (int y = 0; y < gy; ++y)
            for (int x = 0; x < gx; ++x) {
                block_idx = {(unsigned)x, (unsigned)y, (unsigned)z};
                if (shuffle) std::shuffle(order.begin(), order.end(), rng);
                if (!runBlock((int)n, order)) return setErr(std::string(name) + ": " + launchErr);
                if (!launchErr.empty()) return setErr(std::string(name) + ": " + launchErr);
            }
    return 0;
}
