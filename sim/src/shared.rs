//! `SharedVec`: a growing list whose clone is nearly free, for the world's long histories
//! (replica logs, producers' record tables, the ledger's acknowledged batches, consumers'
//! received records). The explorer keeps clones of the world as keyframes; with a plain
//! `Vec` each one copied every record of the run, with this one clones share all but the
//! chunks changed since. It is `imbl`'s persistent RRB vector behind the few operations the
//! simulation uses, so order and contents are exactly a `Vec`'s.

use std::fmt;

use imbl::Vector;

#[derive(Clone, PartialEq, Eq)]
pub struct SharedVec<T: Clone> {
    items: Vector<T>,
}

impl<T: Clone> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec {
            items: Vector::new(),
        }
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<T: Clone> SharedVec<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn push(&mut self, item: T) {
        self.items.push_back(item);
    }

    pub fn pop(&mut self) -> Option<T> {
        self.items.pop_back()
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)
    }

    pub fn first(&self) -> Option<&T> {
        self.items.front()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.items.back_mut()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.items.iter()
    }

    /// The items from `start` on (none when `start` is past the end), without walking the
    /// ones before it.
    pub fn iter_from(&self, start: usize) -> impl DoubleEndedIterator<Item = &T> + '_ {
        let start = start.min(self.items.len());
        self.items.focus().narrow(start..).into_iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.items.iter_mut()
    }

    /// As `slice::partition_point`: the index of the first item for which `pred` is false,
    /// the items being partitioned (true first). The search gallops from the back, since the
    /// simulation mostly looks near the end (a follower fetching at its log end).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let len = self.items.len();
        // Find a window [low, high) with pred true below `low` and false from `high` on.
        let mut high = len;
        let mut step = 1;
        let low = loop {
            if high == 0 {
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
        let count = count.min(self.items.len());
        let rest = self.items.split_off(count);
        let front = std::mem::replace(&mut self.items, rest);
        front.into_iter().collect()
    }

    pub fn retain(&mut self, pred: impl FnMut(&T) -> bool) {
        self.items.retain(pred);
    }
}

impl<T: Clone> std::ops::Index<usize> for SharedVec<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.items[index]
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for SharedVec<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut self.items[index]
    }
}

impl<T: Clone> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        SharedVec {
            items: iter.into_iter().collect(),
        }
    }
}

impl<T: Clone> Extend<T> for SharedVec<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for item in iter {
            self.items.push_back(item);
        }
    }
}

impl<'a, T: Clone> IntoIterator for &'a SharedVec<T> {
    type Item = &'a T;
    type IntoIter = imbl::vector::Iter<'a, T, imbl::shared_ptr::DefaultSharedPtr>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
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
        assert_eq!(
            shared.iter_from(495).copied().collect::<Vec<_>>(),
            plain[495..].to_vec()
        );
        assert_eq!(shared.iter_from(900).count(), 0);
        assert_eq!(shared.drain_front(2), [0, 3]);
        assert_eq!(shared.first(), Some(&6));
        assert_eq!(shared.len(), 498);
    }
}
