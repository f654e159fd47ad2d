//! The allocator of the shipped browser module (the `no_std` build): power-of-two size classes,
//! each with a free list, carved from memory the module grows page by page.
//!
//! **Why not dlmalloc** (std's allocator on this target): it is five kilobytes of the module, and
//! its strengths — coalescing, trimming, low overhead for long-running processes with varied
//! sizes — buy little in a page that parses one bundle and keeps a few small maps. Here a block
//! of class `k` is `2^k` bytes; a freed block goes to the head of its class's list and is reused
//! for the next request of that class; nothing is ever coalesced or returned (WebAssembly
//! memory cannot shrink anyway). The cost is up to half of each block unused, on a heap of at
//! most a few megabytes.
//!
//! **Alignment.** A block of `2^k` bytes is placed at a multiple of `min(2^k, 4096)`, and a
//! request is served from the class of `max(size, align)`, so every block satisfies the alignment
//! of every request it can serve (alignments above 4096 are refused, which aborts).
//!
//! **Threads.** The module is single-threaded (no `atomics` target feature), which is what makes
//! the shared state sound; the allocator is not compiled for a threaded build.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

/// WebAssembly page size.
const PAGE: usize = 65_536;
/// Memory is grown by at least this much at a time (256 KiB), so small allocations do not call
/// `memory.grow` one page at a time.
const MIN_GROW: usize = 4 * PAGE;
/// Largest block alignment guaranteed.
const MAX_ALIGN: usize = 4096;
/// Size classes `2^0 .. 2^31` (classes below 3 are never used: a block holds a pointer).
const CLASSES: usize = 32;

struct Heap {
    /// Head of each class's free list (`0`: empty); a free block's first word is the next one.
    free: [usize; CLASSES],
    /// The next unused byte of the grown region.
    bump: usize,
    /// The end of the grown region.
    end: usize,
}

/// The global allocator (see the module docs).
pub struct Allocator(UnsafeCell<Heap>);

// SAFETY: the module runs on one thread (no `atomics`), so the heap is never shared across
// threads.
unsafe impl Sync for Allocator {}

impl Allocator {
    /// An empty heap; memory is grown on first use.
    pub const fn new() -> Allocator {
        Allocator(UnsafeCell::new(Heap {
            free: [0; CLASSES],
            bump: 0,
            end: 0,
        }))
    }
}

/// The class serving `layout`, or `None` when it cannot be served.
///
/// Inlined: it is a handful of instructions, and as a call (with the layout and the result
/// passed through the stack) it was a fifth of the allocator's time at init.
#[inline(always)]
fn class(layout: &Layout) -> Option<usize> {
    if layout.align() > MAX_ALIGN {
        return None;
    }
    let size = layout.size().max(layout.align()).max(8);
    // `ceil(log2(size))` (`size` >= 8), the exponent of the next power of two, in one count of
    // leading zeros: `checked_next_power_of_two` stayed a call of its own in the size-optimised
    // core, on every allocation and deallocation.
    let class = (usize::BITS - (size - 1).leading_zeros()) as usize;
    (class < CLASSES).then_some(class)
}

impl Heap {
    /// A fresh block of `2^class` bytes from the grown region (growing it when needed).
    fn carve(&mut self, class: usize) -> *mut u8 {
        let block = 1usize << class;
        let align = block.min(MAX_ALIGN);
        let Some(start) = self.bump.checked_add(align - 1).map(|b| b & !(align - 1)) else {
            return ptr::null_mut();
        };
        let Some(stop) = start.checked_add(block) else {
            return ptr::null_mut();
        };
        if stop > self.end {
            let want = (stop.saturating_sub(self.end)).max(MIN_GROW);
            let pages = want.div_ceil(PAGE);
            let previous = core::arch::wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return ptr::null_mut();
            }
            let base = previous * PAGE;
            if base != self.end {
                // Not contiguous with the previous region (first use): start over at `base`.
                self.bump = base;
            }
            self.end = base + pages * PAGE;
            return self.carve(class);
        }
        self.bump = stop;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class(&layout) else {
            return ptr::null_mut();
        };
        // SAFETY: single-threaded (see `Sync`), and no reference to the heap outlives this call.
        let heap = unsafe { &mut *self.0.get() };
        let head = heap.free[class];
        if head != 0 {
            // SAFETY: `head` is a free block of this class (at least 8 bytes, aligned), whose
            // first word `dealloc` set to the next free block.
            heap.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        heap.carve(class)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class(&layout) else {
            return;
        };
        // SAFETY: as in `alloc`.
        let heap = unsafe { &mut *self.0.get() };
        // SAFETY: `block` was returned by `alloc` for this layout, so it is a block of this class
        // (at least 8 bytes, aligned for a `usize`) that the caller no longer uses.
        unsafe { *(block as *mut usize) = heap.free[class] };
        heap.free[class] = block as usize;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return ptr::null_mut();
        };
        if class(&layout).is_some() && class(&layout) == class(&new_layout) {
            return block;
        }
        // SAFETY: the caller's contract for `realloc` is `alloc`'s for the new layout.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least `min(old, new)` bytes and do not overlap (the
            // old one is still allocated).
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

/// `memcmp` for the module, eight bytes at a time; it replaces compiler_builtins' (a weak
/// symbol), which compares byte by byte.
///
/// **Why.** Every string comparison in the module ends here: the binary searches of the
/// bundle's id maps at init (ids such as `ob_welcome_tour_0821_r0` share long prefixes), and
/// `eq` / `in` conditions when deciding. Byte by byte, it was about a tenth of `fromEnvelope` at
/// N = 1000. Words are compared as little-endian `u64`s (unaligned loads are native in
/// WebAssembly); at the first word that differs, the lowest differing byte decides, as it does
/// byte by byte.
///
/// # Safety
///
/// `memcmp`'s contract: `a` and `b` are valid for reads of `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while n - i >= 8 {
        // SAFETY: `i + 8 <= n`, so both reads are within the `n` readable bytes.
        let (x, y) = unsafe {
            (
                ptr::read_unaligned(a.add(i).cast::<u64>()),
                ptr::read_unaligned(b.add(i).cast::<u64>()),
            )
        };
        if x != y {
            // Little-endian: the lowest set bit of `x ^ y` is in the first byte that differs.
            let shift = (x ^ y).trailing_zeros() & !7;
            return i32::from((x >> shift) as u8) - i32::from((y >> shift) as u8);
        }
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}
