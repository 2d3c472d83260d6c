//! Bytes eight at a time in a `u64` (a little-endian word): the tests the
//! XML scanner and the escape test share, each marking the bytes it finds
//! with their high bit.

/// One in each byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of each byte.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` at `at` as a little-endian word, if there are
/// eight.
#[inline(always)]
pub(crate) fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let w = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(w.try_into().expect("eight bytes")))
}

/// A high bit in each byte of `x` below `n` (`n` at most 0x40), and maybe
/// in bytes above one that is: the lowest byte marked is always one below
/// `n` (a byte is marked wrongly only by a borrow from a byte under it that
/// is below `n`, and so marked itself).
#[inline(always)]
pub(crate) fn below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH
}

/// A high bit in each byte of `x` equal to `c`, as [`below`] marks them (the
/// lowest byte marked is always one equal to `c`).
#[inline(always)]
pub(crate) fn equal(x: u64, c: u8) -> u64 {
    below(x ^ (ONES * u64::from(c)), 1)
}
