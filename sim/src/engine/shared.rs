//! `SharedVec`: a growing list whose clone is nearly free, for the world's long histories
//! (replica logs, producers' record tables, the ledger's acknowledged batches, consumers'
//! received records). The explorer keeps clones of the world as keyframes; with a plain
//! `Vec` each one copied every record of the run, with this one clones share all but the
//! chunks changed since. It is `imbl`'s persistent RRB vector behind the few operations the
//! simulation uses, so order and contents are exactly a `Vec`'s.

use std::fmt;

use imbl::Vector;

/// A search gallops back from the end this far at most before it bisects what is left.
const GALLOP: usize = 64;

/// The newest items are kept in a plain `Vec` of at most this many: the simulation reads and
/// changes mostly what it appended last (a follower's fetch at the log end, the records
/// just acknowledged), and a `Vec` does that faster than the tree. Half of it moves into the
/// tree when it is full.
const TAIL: usize = 32;

pub struct SharedVec<T: Clone> {
    /// Every item but the newest.
    items: Vector<T>,
    /// The newest items, at most `TAIL`.
    tail: Vec<T>,
}

impl<T: Clone> Clone for SharedVec<T> {
    fn clone(&self) -> Self {
        SharedVec {
            items: self.items.clone(),
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
            items: Vector::new(),
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

    pub fn len(&self) -> usize {
        self.items.len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.tail.is_empty()
    }

    pub fn push(&mut self, item: T) {
        if self.tail.len() == TAIL {
            for old in self.tail.drain(..TAIL / 2) {
                self.items.push_back(old);
            }
        }
        self.tail.push(item);
    }

    pub fn pop(&mut self) -> Option<T> {
        self.tail.pop().or_else(|| self.items.pop_back())
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match index.checked_sub(self.items.len()) {
            Some(i) => self.tail.get(i),
            None => self.items.get(index),
        }
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        match index.checked_sub(self.items.len()) {
            Some(i) => self.tail.get_mut(i),
            None => self.items.get_mut(index),
        }
    }

    pub fn first(&self) -> Option<&T> {
        self.items.front().or_else(|| self.tail.first())
    }

    pub fn last(&self) -> Option<&T> {
        self.tail.last().or_else(|| self.items.back())
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        match self.tail.last_mut() {
            Some(last) => Some(last),
            None => self.items.back_mut(),
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.tail.clear();
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        match len.checked_sub(self.items.len()) {
            Some(keep) => self.tail.truncate(keep),
            None => {
                self.items.truncate(len);
                self.tail.clear();
            }
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.items.iter().chain(self.tail.iter())
    }

    /// The items from `start` on (none when `start` is past the end), without walking the
    /// ones before it.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + '_ {
        let start = start.min(self.len());
        match start.checked_sub(self.items.len()) {
            Some(i) => Tail::Short(self.tail[i..].iter()),
            None => Tail::Long(
                self.items
                    .focus()
                    .narrow(start..)
                    .into_iter()
                    .chain(self.tail.iter()),
            ),
        }
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.items.iter_mut().chain(self.tail.iter_mut())
    }

    /// As `slice::partition_point`: the index of the first item for which `pred` is false,
    /// the items being partitioned (true first). The search starts from the newest items,
    /// since the simulation mostly looks near the end, and gallops back through the tree.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        if let Some(first) = self.tail.first()
            && pred(first)
        {
            return self.items.len() + self.tail.partition_point(pred);
        }
        // Find a window [low, high) with pred true below `low` and false from `high` on.
        let mut high = self.items.len();
        let mut step = 1;
        let low = loop {
            if high == 0 || step > GALLOP {
                break 0;
            }
            let probe = high.saturating_sub(step);
            if pred(&self.items[probe]) {
                break probe + 1;
            }
            high = probe;
            step *= 2;
        };
        let (mut low, mut high) = (low, high);
        while low < high {
            let mid = low + (high - low) / 2;
            if pred(&self.items[mid]) {
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
        let from_items = count.min(self.items.len());
        let rest = self.items.split_off(from_items);
        let front = std::mem::replace(&mut self.items, rest);
        let mut drained: Vec<T> = front.into_iter().collect();
        drained.extend(self.tail.drain(..count - from_items));
        drained
    }

    pub fn retain(&mut self, mut pred: impl FnMut(&T) -> bool) {
        self.items.retain(&mut pred);
        self.tail.retain(pred);
    }
}

/// A walk from some index: within the tail, or through the tree and then the tail.
enum Tail<S, L> {
    Short(S),
    Long(L),
}

impl<'a, T: 'a, S: Iterator<Item = &'a T>, L: Iterator<Item = &'a T>> Iterator for Tail<S, L> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        match self {
            Tail::Short(short) => short.next(),
            Tail::Long(long) => long.next(),
        }
    }
}

impl<T: Clone> std::ops::Index<usize> for SharedVec<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        self.get(index).expect("index within the list")
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for SharedVec<T> {
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
    type IntoIter = std::iter::Chain<
        imbl::vector::Iter<'a, T, imbl::shared_ptr::DefaultSharedPtr>,
        std::slice::Iter<'a, T>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().chain(self.tail.iter())
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
        for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 48, 100, 1000] {
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
            for cut in [0, len / 3, len / 2, len.saturating_sub(5), len] {
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
}
