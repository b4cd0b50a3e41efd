//! `SharedVec`: a growing list whose clone is cheap, for the world's long histories (replica
//! logs, producers' record tables, the ledger's acknowledged batches, consumers' received
//! records). The explorer keeps clones of the world as keyframes; with a plain `Vec` each one
//! copied every record of the run.
//!
//! The newest items sit in a plain `Vec`, the tail, where the simulation appends and changes
//! most (a record is acknowledged and committed soon after it is sent). Older items move, a
//! chunk at a time, into fixed-size chunks behind an `Arc`: a clone copies the tail and one
//! pointer per chunk, and a change to an old item copies only its chunk, and only when a
//! clone still shares it (`Arc::make_mut`). Order and contents are exactly a `Vec`'s.

use std::fmt;
use std::sync::Arc;

/// Items per chunk, a power of two. Larger chunks make a keyframe's clone cheaper (fewer
/// pointers) and the first change after it to an old item dearer (a larger copy).
const CHUNK_BITS: u32 = 8;
const CHUNK: usize = 1 << CHUNK_BITS;
const MASK: usize = CHUNK - 1;

/// The tail holds fewer than this many items; when full, its older half becomes a chunk, so
/// that the newest `CHUNK` items at least are always in the tail.
const TAIL: usize = 2 * CHUNK;

/// A search gallops back from the end this far at most before it bisects what is left.
const GALLOP: usize = 64;

/// The items in order: those of the chunks (every one `CHUNK` long, the first one's first
/// `skip` drained), then those of the tail.
pub struct SharedVec<T: Clone> {
    chunks: Vec<Arc<Vec<T>>>,
    /// Items drained from the front of the first chunk, kept until the whole chunk goes
    /// (copying the chunk to drop them would unshare it from the keyframes). Less than
    /// `CHUNK`, and 0 when there is no chunk.
    skip: usize,
    tail: Vec<T>,
}

impl<T: Clone> Clone for SharedVec<T> {
    fn clone(&self) -> Self {
        SharedVec {
            chunks: self.chunks.clone(),
            skip: self.skip,
            tail: self.tail.clone(),
        }
    }
}

impl<T: Clone + PartialEq> PartialEq for SharedVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for SharedVec<T> {}

impl<T: Clone> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec {
            chunks: Vec::new(),
            skip: 0,
            tail: Vec::new(),
        }
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Clone> SharedVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many items are in the chunks (the tail's first item has this index).
    #[inline]
    fn sealed(&self) -> usize {
        self.chunks.len() * CHUNK - self.skip
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.sealed() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.tail.is_empty()
    }

    /// The chunk and the place in it of item `index`, which must be below `sealed()`.
    #[inline]
    fn locate(&self, index: usize) -> (usize, usize) {
        let at = index + self.skip;
        (at >> CHUNK_BITS, at & MASK)
    }

    #[inline]
    pub fn push(&mut self, item: T) {
        if self.tail.len() == TAIL {
            self.seal_chunk();
        }
        self.tail.push(item);
    }

    /// Moves the tail's older half into a new chunk.
    #[cold]
    fn seal_chunk(&mut self) {
        let chunk: Vec<T> = self.tail.drain(..CHUNK).collect();
        self.chunks.push(Arc::new(chunk));
    }

    /// Makes the last chunk the tail (the tail being empty), unsharing it if need be.
    fn unseal_chunk(&mut self) {
        debug_assert!(self.tail.is_empty());
        let Some(last) = self.chunks.pop() else {
            return;
        };
        self.tail = Arc::unwrap_or_clone(last);
        if self.chunks.is_empty() {
            self.tail.drain(..self.skip);
            self.skip = 0;
        }
    }

    pub fn pop(&mut self) -> Option<T> {
        if self.tail.is_empty() {
            self.unseal_chunk();
        }
        self.tail.pop()
    }

    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        let sealed = self.sealed();
        if index >= sealed {
            return self.tail.get(index - sealed);
        }
        let (chunk, at) = self.locate(index);
        Some(&self.chunks[chunk][at])
    }

    /// Item `index`, to change: if it is in a chunk a clone shares, the chunk is copied first.
    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let sealed = self.sealed();
        if index >= sealed {
            return self.tail.get_mut(index - sealed);
        }
        Some(self.sealed_mut(index))
    }

    /// Item `index` of the chunks, to change (rarer than a change in the tail).
    #[inline(never)]
    fn sealed_mut(&mut self, index: usize) -> &mut T {
        let (chunk, at) = self.locate(index);
        &mut Arc::make_mut(&mut self.chunks[chunk])[at]
    }

    /// Calls `f` on each item of `range` (clamped to the items there are), in order, to change
    /// it: a shared chunk is copied once, not once per item.
    pub fn for_each_mut_in(&mut self, range: std::ops::Range<usize>, mut f: impl FnMut(&mut T)) {
        let end = range.end.min(self.len());
        let mut at = range.start;
        let sealed = self.sealed();
        while at < end.min(sealed) {
            let (chunk, from) = self.locate(at);
            let take = (CHUNK - from).min(end.min(sealed) - at);
            Arc::make_mut(&mut self.chunks[chunk])[from..from + take]
                .iter_mut()
                .for_each(&mut f);
            at += take;
        }
        if at < end {
            self.tail[at - sealed..end - sealed].iter_mut().for_each(f);
        }
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.chunks.last().and_then(|c| c.last()))
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        match self.tail.last_mut() {
            Some(last) => Some(last),
            None => self
                .chunks
                .last_mut()
                .and_then(|c| Arc::make_mut(c).last_mut()),
        }
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.skip = 0;
        self.tail.clear();
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        if len < self.sealed() {
            // The chunk that will hold the last item kept becomes the tail.
            let chunks = (len + self.skip).div_ceil(CHUNK);
            self.chunks.truncate(chunks.max(1));
            self.tail.clear();
            self.unseal_chunk();
        }
        let sealed = self.sealed();
        self.tail.truncate(len - sealed);
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.iter_from(0)
    }

    /// The items from `start` on (none when `start` is past the end), without walking the
    /// ones before it.
    pub fn iter_from(&self, start: usize) -> Iter<'_, T> {
        let sealed = self.sealed();
        if start >= sealed {
            return Iter {
                front: self.tail.get(start - sealed..).unwrap_or(&[]).iter(),
                chunks: [].iter(),
                back: [].iter(),
            };
        }
        let (chunk, at) = self.locate(start);
        Iter {
            front: self.chunks[chunk][at..].iter(),
            chunks: self.chunks[chunk + 1..].iter(),
            back: self.tail.iter(),
        }
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        let skip = self.skip;
        self.chunks
            .iter_mut()
            .enumerate()
            .flat_map(move |(i, chunk)| {
                let chunk = Arc::make_mut(chunk);
                let from = if i == 0 { skip } else { 0 };
                chunk[from..].iter_mut()
            })
            .chain(self.tail.iter_mut())
    }

    /// As `slice::partition_point`: the index of the first item for which `pred` is false,
    /// the items being partitioned (true first). The search starts from the newest items,
    /// since the simulation mostly looks near the end, and gallops back before it bisects.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let sealed = self.sealed();
        if let Some(first) = self.tail.first()
            && pred(first)
        {
            return sealed + self.tail.partition_point(pred);
        }
        // Find a window [low, high) with pred true below `low` and false from `high` on.
        let mut high = sealed;
        let mut step = 1;
        let low = loop {
            if high == 0 || step > GALLOP {
                break 0;
            }
            let probe = high.saturating_sub(step);
            if pred(&self[probe]) {
                break probe + 1;
            }
            high = probe;
            step *= 2;
        };
        let (mut low, mut high) = (low, high);
        while low < high {
            let mid = low + (high - low) / 2;
            if pred(&self[mid]) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    /// Removes the first `count` items and returns them in order.
    pub fn drain_front(&mut self, count: usize) -> Vec<T> {
        let count = count.min(self.len());
        let drained: Vec<T> = self.iter().take(count).cloned().collect();
        let sealed = self.sealed();
        if count >= sealed {
            self.chunks.clear();
            self.skip = 0;
            self.tail.drain(..count - sealed);
        } else {
            self.skip += count;
            self.chunks.drain(..self.skip / CHUNK);
            self.skip &= MASK;
        }
        drained
    }

    pub fn retain(&mut self, mut pred: impl FnMut(&T) -> bool) {
        let kept: SharedVec<T> = self.iter().filter(|item| pred(item)).cloned().collect();
        *self = kept;
    }
}

impl<T: Clone> std::ops::Index<usize> for SharedVec<T> {
    type Output = T;

    #[inline]
    fn index(&self, index: usize) -> &T {
        self.get(index).expect("index within the list")
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for SharedVec<T> {
    #[inline]
    fn index_mut(&mut self, index: usize) -> &mut T {
        self.get_mut(index).expect("index within the list")
    }
}

impl<T: Clone> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut shared = SharedVec::new();
        shared.extend(iter);
        shared
    }
}

impl<T: Clone> Extend<T> for SharedVec<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for item in iter {
            self.push(item);
        }
    }
}

impl<'a, T: Clone> IntoIterator for &'a SharedVec<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// A walk over the items in order: the rest of the current chunk, the chunks after it, and
/// (when walked from both ends) what is left of the last one.
pub struct Iter<'a, T> {
    front: std::slice::Iter<'a, T>,
    chunks: std::slice::Iter<'a, Arc<Vec<T>>>,
    back: std::slice::Iter<'a, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        loop {
            if let Some(item) = self.front.next() {
                return Some(item);
            }
            match self.chunks.next() {
                Some(chunk) => self.front = chunk.iter(),
                None => return self.back.next(),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let known = self.front.len() + self.back.len();
        let rest: usize = self.chunks.as_slice().iter().map(|c| c.len()).sum();
        (known + rest, Some(known + rest))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.back.next_back() {
                return Some(item);
            }
            match self.chunks.next_back() {
                Some(chunk) => self.back = chunk.iter(),
                None => return self.front.next_back(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A clone is independent: changing one leaves the other as it was.
    #[test]
    fn clones_do_not_share_changes() {
        let mut a: SharedVec<u32> = (0..1000).collect();
        let b = a.clone();
        a.push(1000);
        a[3] = 7;
        a.truncate(10);
        assert_eq!(b.len(), 1000);
        assert_eq!(b[3], 3);
        assert_eq!(
            a.iter().copied().collect::<Vec<_>>(),
            [0, 1, 2, 7, 4, 5, 6, 7, 8, 9]
        );
    }

    // Every operation agrees with a `Vec`'s, across the tail's moves into the tree.
    #[test]
    fn operations_agree_with_a_vec() {
        for len in [
            0usize, 1, 15, 16, 17, 33, 100, 1000, 511, 512, 513, 1023, 1024, 1025, 1537, 2048, 2500,
        ] {
            let plain: Vec<usize> = (0..len).map(|i| i * 2).collect();
            let shared: SharedVec<usize> = plain.iter().copied().collect();
            assert_eq!(shared.len(), len);
            assert_eq!(shared.iter().copied().collect::<Vec<_>>(), plain);
            assert_eq!(shared.first(), plain.first());
            assert_eq!(shared.last(), plain.last());
            for i in 0..len + 2 {
                assert_eq!(shared.get(i), plain.get(i));
                assert_eq!(
                    shared.iter_from(i).copied().collect::<Vec<_>>(),
                    plain[i.min(len)..].to_vec()
                );
                let probe = i * 2 + (i % 2);
                assert_eq!(
                    shared.partition_point(|&x| x < probe),
                    plain.partition_point(|&x| x < probe)
                );
            }
            for cut in [0, 1.min(len), len / 3, len / 2, len.saturating_sub(5), len] {
                let mut a = shared.clone();
                let mut b = plain.clone();
                a.truncate(cut);
                b.truncate(cut);
                assert_eq!(a.iter().copied().collect::<Vec<_>>(), b);
                let mut a = shared.clone();
                let mut b = plain.clone();
                assert_eq!(a.drain_front(cut), b.drain(..cut).collect::<Vec<_>>());
                assert_eq!(a.iter().copied().collect::<Vec<_>>(), b);
                a.push(7);
                b.push(7);
                assert_eq!(a.pop(), b.pop());
                assert_eq!(a.pop(), b.pop());
                assert_eq!(a.iter().copied().collect::<Vec<_>>(), b);
            }
            for range in [0..len, len / 3..len / 2, 1.min(len)..len + 3, len..len] {
                let mut a = shared.clone();
                let mut b = plain.clone();
                a.for_each_mut_in(range.clone(), |x| *x += 1);
                let end = range.end.min(len);
                b[range.start.min(end)..end]
                    .iter_mut()
                    .for_each(|x| *x += 1);
                assert_eq!(a.iter().copied().collect::<Vec<_>>(), b);
                assert_eq!(shared.iter().copied().collect::<Vec<_>>(), plain);
            }
            let mut a = shared.clone();
            a.retain(|x| x % 3 == 0);
            let b: Vec<usize> = plain.iter().copied().filter(|x| x % 3 == 0).collect();
            assert_eq!(a.iter().copied().collect::<Vec<_>>(), b);
            assert_eq!(a, b.iter().copied().collect::<SharedVec<_>>());
            if len > 0 {
                let mut a = shared.clone();
                a[len - 1] = 1;
                *a.last_mut().expect("not empty") += 1;
                assert_eq!(a[len - 1], 2);
                assert_eq!(shared[len - 1], plain[len - 1]);
            }
        }
    }

    // The searches and partial walks agree with a `Vec`'s.
    #[test]
    fn behaves_as_a_vec() {
        let plain: Vec<u32> = (0..500).map(|i| i * 3).collect();
        let mut shared: SharedVec<u32> = plain.iter().copied().collect();
        for probe in [0, 1, 2, 3, 700, 1497, 1500, 2000] {
            assert_eq!(
                shared.partition_point(|&x| x < probe),
                plain.partition_point(|&x| x < probe)
            );
        }
        for start in [0, 100, 483, 484, 485, 495, 499, 500] {
            assert_eq!(
                shared.iter_from(start).copied().collect::<Vec<_>>(),
                plain[start..].to_vec()
            );
        }
        assert_eq!(shared.iter_from(900).count(), 0);
        assert_eq!(shared.drain_front(2), [0, 3]);
        assert_eq!(shared.first(), Some(&6));
        assert_eq!(shared.len(), 498);
    }

    // Draining from the front across chunk boundaries keeps indexing, searching and walking
    // from either end right, and a clone taken before is unchanged.
    #[test]
    fn drains_across_chunks() {
        let mut plain: Vec<u64> = (0..5000).collect();
        let mut shared: SharedVec<u64> = plain.iter().copied().collect();
        let before = shared.clone();
        for count in [1, 700, 1023, 1, 1500, 100] {
            assert_eq!(
                shared.drain_front(count),
                plain.drain(..count).collect::<Vec<_>>()
            );
            assert_eq!(shared.len(), plain.len());
            assert_eq!(shared.iter().copied().collect::<Vec<_>>(), plain);
            assert_eq!(
                shared.iter().rev().copied().collect::<Vec<_>>(),
                plain.iter().rev().copied().collect::<Vec<_>>()
            );
            for probe in [0, 1400, 2500, 3000, 4999, 6000] {
                assert_eq!(
                    shared.partition_point(|&x| x < probe),
                    plain.partition_point(|&x| x < probe)
                );
            }
            for i in [0, 1, 500, plain.len() - 1] {
                assert_eq!(shared[i], plain[i]);
                assert_eq!(shared.iter_from(i).next(), plain.get(i));
            }
            shared.push(9);
            plain.push(9);
            shared[0] += 1;
            plain[0] += 1;
            for (a, b) in shared.iter_mut().zip(plain.iter_mut()).step_by(97) {
                *a += 2;
                *b += 2;
            }
            assert_eq!(shared.iter().copied().collect::<Vec<_>>(), plain);
        }
        assert_eq!(
            before.iter().copied().collect::<Vec<_>>(),
            (0..5000).collect::<Vec<_>>()
        );
    }

    // A clone shares every chunk; a change copies only the chunk it touches.
    #[test]
    fn a_change_copies_one_chunk() {
        let mut a: SharedVec<u32> = (0..10 * CHUNK as u32).collect();
        let b = a.clone();
        a[5 * CHUNK + 3] = 0;
        a.push(1);
        let shared = a
            .chunks
            .iter()
            .zip(&b.chunks)
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count();
        assert!(b.chunks.len() >= 6);
        assert_eq!(shared, b.chunks.len() - 1);
        assert_eq!(b[5 * CHUNK + 3], 5 * CHUNK as u32 + 3);
    }
}
