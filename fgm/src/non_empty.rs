//! `NonEmpty<T>`: what a `1..*` element maps to, so that the compiler, not a
//! runtime check, keeps it from being empty.

use std::ops::Deref;

/// A vector with at least one element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonEmpty<T>(Vec<T>);

impl<T> NonEmpty<T> {
    /// A vector holding `first`.
    pub fn new(first: T) -> Self {
        NonEmpty(vec![first])
    }

    /// The vector, if it is not empty.
    pub fn from_vec(items: Vec<T>) -> Option<Self> {
        (!items.is_empty()).then_some(NonEmpty(items))
    }

    /// Appends an element.
    pub fn push(&mut self, item: T) {
        self.0.push(item);
    }

    /// The first element (there always is one).
    pub fn first(&self) -> &T {
        &self.0[0]
    }

    /// The elements as a vector.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for NonEmpty<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'a, T> IntoIterator for &'a NonEmpty<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for NonEmpty<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::NonEmpty;

    #[test]
    fn never_empty() {
        assert!(NonEmpty::<u8>::from_vec(vec![]).is_none());
        let mut v = NonEmpty::new(1);
        v.push(2);
        assert_eq!(*v.first(), 1);
        assert_eq!(v.len(), 2);
        assert_eq!(v.into_vec(), vec![1, 2]);
    }
}
